package dev.agentcenter.model;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Locale;

/** A task's status: follows its latest run, {@code pending} before the first one. */
public enum TaskStatus {
    @JsonProperty("pending")
    PENDING,
    @JsonProperty("queued")
    QUEUED,
    @JsonProperty("running")
    RUNNING,
    @JsonProperty("completed")
    COMPLETED,
    @JsonProperty("failed")
    FAILED,
    @JsonProperty("cancelled")
    CANCELLED;

    /** The value used in JSON and in the database. */
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses a wire value. */
    public static TaskStatus fromWire(String value) {
        return valueOf(value.toUpperCase(Locale.ROOT));
    }
}
