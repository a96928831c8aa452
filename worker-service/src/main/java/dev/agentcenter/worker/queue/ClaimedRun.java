package dev.agentcenter.worker.queue;

import java.util.UUID;

/**
 * A run this worker moved to {@code provisioning} under a fresh lease and must now hand to {@code runner}. The lease
 * token fences every later write: when it no longer matches, somebody else (the sweeper, a cancel) has taken over.
 */
record ClaimedRun(UUID runId, int attempt, UUID leaseToken, int dispatchAttempts, RunnerTarget runner) {}
