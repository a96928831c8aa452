package dev.agentcenter.runner.agent;

import dev.agentcenter.model.AgentConfig;
import dev.agentcenter.model.PermissionMode;
import java.nio.file.Path;
import java.util.UUID;

/**
 * What a run asks of its coding agent.
 *
 * @param attempt the run's attempt number: earlier attempts of the task are where a session to resume is found
 * @param source why the run exists ({@code api}, {@code follow_up}, {@code retry}, {@code automation}); only a
 *     follow-up resumes the agent's previous session
 * @param runPrompt {@code runs.prompt}: the follow-up's or {@code POST /api/runs} prompt, else a copy of the task's
 * @param taskPrompt the task's prompt
 * @param cwd the directory the agent works in (inside the workspace)
 */
public record AgentRequest(
        UUID runId,
        UUID taskId,
        int attempt,
        String source,
        String runPrompt,
        String taskPrompt,
        AgentConfig agent,
        PermissionMode permissionMode,
        Path cwd) {}
