package dev.agentcenter.runner.sandbox;

import dev.agentcenter.model.AgentProvider;
import dev.agentcenter.model.SandboxConfig;
import java.nio.file.Path;
import java.util.Objects;
import java.util.UUID;

/**
 * What one run's sandbox is made of.
 *
 * @param runId the run
 * @param workspace the run's workspace (its task's), writable inside the sandbox at the same path
 * @param agentState its task's agent state directory (Codex's {@code CODEX_HOME}, Claude Code's
 *     {@code CLAUDE_CONFIG_DIR}), writable at the same path; it need not exist yet
 * @param config the task's {@code config.sandbox}; {@code null} for the defaults
 * @param agent the run's coding agent, whose API hosts a network allowlist gets; {@code null} for none
 */
public record SandboxScope(UUID runId, Path workspace, Path agentState, SandboxConfig config, AgentProvider agent) {

    /** A run without a coding agent. */
    public SandboxScope(UUID runId, Path workspace, Path agentState, SandboxConfig config) {
        this(runId, workspace, agentState, config, null);
    }

    public SandboxScope {
        Objects.requireNonNull(runId, "runId");
        workspace = workspace.toAbsolutePath().normalize();
        agentState = agentState.toAbsolutePath().normalize();
    }

    /** Whether the run must not run without a sandbox. */
    public boolean required() {
        return config != null && config.requiresSandbox();
    }
}
