package dev.agentcenter.runner.sandbox;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import java.nio.file.Path;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * How this runner isolates runs.
 *
 * @param mode {@code RUNNER_SANDBOX}: {@code auto} (default) uses bubblewrap when a probe at start shows it works,
 *     else runs unisolated with a loud warning; {@code bubblewrap} refuses to start without it; {@code none} never
 *     isolates (e.g. when a container is the boundary)
 * @param bwrap {@code RUNNER_SANDBOX_BWRAP} (default {@code bwrap}): the bubblewrap binary
 * @param uid {@code RUNNER_SANDBOX_UID} (default 61000): the unprivileged uid (and gid) processes run as when the
 *     runner is root; a runner that is not root runs them as its own uid
 * @param readOnlyPaths {@code RUNNER_SANDBOX_READ_ONLY_PATHS} (comma-separated, default none): more host directories
 *     the sandbox sees read-only, beyond the system, {@code PATH}'s tool directories and the agent CLIs
 */
@Validated
@ConfigurationProperties("agent-center.sandbox")
public record SandboxProperties(
        @NotNull @DefaultValue("auto") Mode mode,
        @NotBlank @DefaultValue("bwrap") String bwrap,
        @Min(1) @Max(2_000_000_000) @DefaultValue("61000") int uid,
        @DefaultValue("") List<Path> readOnlyPaths) {

    /** {@code RUNNER_SANDBOX}. */
    public enum Mode {
        AUTO,
        BUBBLEWRAP,
        NONE
    }

    public SandboxProperties {
        readOnlyPaths = readOnlyPaths == null
                ? List.of()
                : readOnlyPaths.stream()
                        .filter(path -> !path.toString().isBlank())
                        .map(path -> path.toAbsolutePath().normalize())
                        .toList();
    }
}
