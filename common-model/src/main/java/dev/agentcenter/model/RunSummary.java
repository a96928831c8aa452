package dev.agentcenter.model;

import java.time.Instant;
import java.util.UUID;

/** The few fields of a run that a task list shows. */
public record RunSummary(
        UUID id, int attempt, RunStatus status, Instant queuedAt, Instant startedAt, Instant finishedAt) {}
