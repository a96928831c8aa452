package dev.agentcenter.model;

import com.fasterxml.jackson.annotation.JsonProperty;

/** A runner's availability. */
public enum RunnerStatus {
    @JsonProperty("online")
    ONLINE,
    @JsonProperty("draining")
    DRAINING,
    @JsonProperty("offline")
    OFFLINE
}
