package dev.agentcenter.model;

import java.time.Instant;
import java.util.UUID;

/**
 * The few fields of a run that a task list shows.
 *
 * @param pullRequestUrl the task's pull request: the one this run opened or found, else the one the most recent
 *     earlier run of the task did ({@code null} when no run has one), so a failed follow-up does not hide it
 * @param pullRequestNumber that pull request's number
 */
public record RunSummary(
        UUID id,
        int attempt,
        RunStatus status,
        Instant queuedAt,
        Instant startedAt,
        Instant finishedAt,
        String pullRequestUrl,
        Integer pullRequestNumber) {}
