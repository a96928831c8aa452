package dev.agentcenter.model;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Which coding agent a run drives, if any. */
public enum AgentProvider {
    @JsonProperty("none")
    NONE,
    @JsonProperty("codex")
    CODEX,
    @JsonProperty("claude")
    CLAUDE
}
