package dev.agentcenter.model;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Positive;
import jakarta.validation.constraints.Size;
import java.util.Map;

/**
 * One shell command of a run.
 *
 * @param command the command line, run with the runner's shell (default {@code bash -c}, in the runner user's login
 *     environment, resolved once)
 * @param cwd working directory relative to the workspace; escaping the workspace is refused
 * @param env extra environment variables for this command only
 * @param timeoutSeconds stop the command after this many seconds
 */
public record CommandSpec(
        @NotBlank @Size(max = 100_000) String command,
        @Size(max = 1024) String cwd,
        Map<String, String> env,
        @Positive Integer timeoutSeconds) {}
