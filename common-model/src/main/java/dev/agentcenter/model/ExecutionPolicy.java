package dev.agentcenter.model;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Size;
import java.util.List;

/**
 * Extra rules for a run.
 *
 * @param blockedCommands commands refused in {@code custom} permission mode
 */
public record ExecutionPolicy(@Size(max = 200) List<@NotBlank String> blockedCommands) {

    /** The stored form of a policy: never {@code null}, always with a (possibly empty) list. */
    public static ExecutionPolicy normalized(ExecutionPolicy policy) {
        return policy == null || policy.blockedCommands() == null ? new ExecutionPolicy(List.of()) : policy;
    }
}
