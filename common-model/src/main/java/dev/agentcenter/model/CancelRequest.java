package dev.agentcenter.model;

import jakarta.validation.constraints.Size;

/**
 * Cancels the active run; the body is optional.
 *
 * @param reason shown in the run's events
 */
public record CancelRequest(@Size(max = 1000) String reason) {}
