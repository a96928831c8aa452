package dev.agentcenter.model;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import java.util.List;

/**
 * Queues the next run of a task in the same workspace (and agent session).
 *
 * @param prompt what to do next
 * @param commands commands for this run; the task's commands when absent
 */
public record FollowUpRequest(
        @NotBlank @Size(max = 200_000) String prompt,
        @Size(max = 100) List<@NotNull @Valid CommandSpec> commands) {}
