package dev.agentcenter.model;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Size;
import java.util.List;

/**
 * Extra rules for a run.
 *
 * @param blockedCommands commands refused in {@code custom} permission mode
 */
public record ExecutionPolicy(@Size(max = 200) List<@NotBlank String> blockedCommands) {}
