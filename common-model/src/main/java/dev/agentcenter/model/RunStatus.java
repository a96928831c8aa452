package dev.agentcenter.model;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Locale;

/** A run's lifecycle: {@code queued → provisioning → cloning → running → completed | failed | cancelled}. */
public enum RunStatus {
    @JsonProperty("queued")
    QUEUED,
    @JsonProperty("provisioning")
    PROVISIONING,
    @JsonProperty("cloning")
    CLONING,
    @JsonProperty("running")
    RUNNING,
    @JsonProperty("completed")
    COMPLETED,
    @JsonProperty("failed")
    FAILED,
    @JsonProperty("cancelled")
    CANCELLED;

    /** True for the statuses a run never leaves. */
    public boolean terminal() {
        return this == COMPLETED || this == FAILED || this == CANCELLED;
    }

    /** The value used in JSON and in the database. */
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses a wire value. */
    public static RunStatus fromWire(String value) {
        return valueOf(value.toUpperCase(Locale.ROOT));
    }
}
