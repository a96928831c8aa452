package dev.agentcenter.model;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Which commands a run may start. A blocklist, not a sandbox. */
public enum PermissionMode {
    /** Blocks the built-in list of destructive commands (sudo, shutdown, mkfs, rm -rf /, …). */
    @JsonProperty("safe")
    SAFE,
    /** Blocks nothing. */
    @JsonProperty("yolo")
    YOLO,
    /** Blocks {@link ExecutionPolicy#blockedCommands()}. */
    @JsonProperty("custom")
    CUSTOM;

    /** The value used in JSON and in the database. */
    public String wire() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** Parses a wire value. */
    public static PermissionMode fromWire(String value) {
        return valueOf(value.toUpperCase(java.util.Locale.ROOT));
    }
}
