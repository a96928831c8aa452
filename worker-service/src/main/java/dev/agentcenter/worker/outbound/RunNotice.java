package dev.agentcenter.worker.outbound;

import java.time.Instant;
import java.util.UUID;

/**
 * What the outside world is told about a run that ended: read once, when its first message is built.
 *
 * @param summary the agent's last message, else the run's error message, else {@code null}
 * @param pullRequestNumber the task's pull request (its latest run that has one), or {@code null}
 * @param issueNumber the issue the task came from, or {@code null}
 */
record RunNotice(
        UUID runId,
        UUID taskId,
        UUID workspaceId,
        UUID projectId,
        String taskTitle,
        int attempt,
        String status,
        String source,
        String errorCode,
        String errorMessage,
        String summary,
        Instant startedAt,
        Instant finishedAt,
        UUID repoConnectionId,
        Integer pullRequestNumber,
        String pullRequestUrl,
        Integer issueNumber) {}
