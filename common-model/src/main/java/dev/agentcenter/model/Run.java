package dev.agentcenter.model;

import java.time.Instant;
import java.util.UUID;

/**
 * One execution of a task.
 *
 * @param attempt 1, 2, … per task
 * @param source why the run exists: {@code api}, {@code follow_up}, {@code retry} or {@code automation}
 * @param workspacePath where the runner keeps the run's files, once provisioned
 * @param errorCode a stable code when the run failed (e.g. {@code command_failed}, {@code runner_lost})
 * @param exitCode exit code of the last command that ran
 * @param pullRequestUrl the GitHub pull request the run opened for its branch, or found already open there
 *     ({@code null} when none)
 * @param pullRequestNumber that pull request's number ({@code null} when none)
 * @param waitingFor why a queued run is not running yet: {@code workspace_limit}, {@code repository_limit},
 *     {@code runner:<id>} (the runner holding the task's workspace is busy), {@code runner_capacity}, {@code backoff};
 *     {@code null} when nothing holds it back or it is not queued
 */
public record Run(
        UUID id,
        UUID taskId,
        int attempt,
        RunStatus status,
        String source,
        String prompt,
        PermissionMode permissionMode,
        ExecutionPolicy policy,
        ExecutionConfig config,
        String baseBranch,
        String branchName,
        String workspacePath,
        UUID runnerId,
        String errorCode,
        String errorMessage,
        Integer exitCode,
        String pullRequestUrl,
        Integer pullRequestNumber,
        String waitingFor,
        Instant cancelRequestedAt,
        Instant queuedAt,
        Instant startedAt,
        Instant finishedAt,
        Instant createdAt,
        Instant updatedAt) {}
