package dev.agentcenter.model;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import java.util.UUID;

/**
 * Queues a run of a task. Fields left out are taken from the task.
 *
 * @param prompt overrides the task's prompt for this run
 * @param config overrides the task's execution config for this run
 */
public record CreateRunRequest(
        @NotNull UUID taskId,
        @Size(max = 200_000) String prompt,
        @Valid ExecutionConfig config) {}
