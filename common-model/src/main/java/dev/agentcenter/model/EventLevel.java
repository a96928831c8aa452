package dev.agentcenter.model;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Locale;

/** Severity of a run event. */
public enum EventLevel {
    @JsonProperty("info")
    INFO,
    @JsonProperty("warn")
    WARN,
    @JsonProperty("error")
    ERROR;

    /** The value used in JSON and in the database. */
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses a wire value ({@code info}, {@code warn} or {@code error}). */
    public static EventLevel fromWire(String value) {
        for (EventLevel level : values()) {
            if (level.wire().equals(value)) {
                return level;
            }
        }
        throw new IllegalArgumentException("level must be info, warn or error");
    }
}
