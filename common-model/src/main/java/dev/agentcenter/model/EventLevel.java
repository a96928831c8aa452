package dev.agentcenter.model;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Severity of a run event. */
public enum EventLevel {
    @JsonProperty("info")
    INFO,
    @JsonProperty("warn")
    WARN,
    @JsonProperty("error")
    ERROR
}
