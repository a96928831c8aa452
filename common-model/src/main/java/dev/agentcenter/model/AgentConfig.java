package dev.agentcenter.model;

import jakarta.validation.constraints.Size;

/**
 * The coding agent of a run.
 *
 * @param provider {@code none} (default), {@code codex} or {@code claude}
 * @param model model name passed to the agent CLI
 * @param prompt prompt for the agent; the task's or run's prompt when absent
 */
public record AgentConfig(
        AgentProvider provider, @Size(max = 200) String model, String prompt) {}
