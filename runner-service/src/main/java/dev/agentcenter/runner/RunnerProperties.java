package dev.agentcenter.runner;

import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Who this runner is, where it works and how it runs commands. Each value comes from an environment variable (see
 * {@code application.yml} and {@code .env.example}).
 *
 * @param name {@code RUNNER_NAME}: the name this runner registers under, unique among runners; default
 *     {@code <hostname>-<port of the public URL>}, so two runners on one host do not collide
 * @param workspaceRoot {@code RUNNER_WORKSPACE_ROOT} (default {@code .agent-center/workspaces}, relative to the
 *     working directory): each run works in {@code <root>/<task or run id>/}
 * @param cleanupMode {@code RUNNER_CLEANUP_MODE}: {@code retain} (default) keeps every workspace;
 *     {@code delete_on_completion} deletes the workspaces of completed and cancelled runs and keeps failed ones
 * @param internalToken {@code RUNNER_INTERNAL_TOKEN}: the bearer token every {@code /internal/**} request must
 *     carry (workers send it); while it is not set, the runner refuses all internal requests
 * @param capacity {@code RUNNER_CAPACITY} (default 4): how many runs this runner executes at once
 * @param shell {@code RUNNER_SHELL} (default {@code bash -c}): the command, split on spaces, that each
 *     {@code config.commands} entry is appended to. A login shell ({@code bash -lc}) sources the profile for every
 *     command, as before {@code RUNNER_LOGIN_ENVIRONMENT} existed
 * @param loginEnvironment {@code RUNNER_LOGIN_ENVIRONMENT} (default true): resolve the runner user's login
 *     environment once ({@code <first word of RUNNER_SHELL> -l -c}, see {@code LoginEnvironment}) and run commands
 *     and coding agents in it, instead of paying for a login shell per command
 * @param publicUrl {@code RUNNER_PUBLIC_URL} (default {@code http://127.0.0.1:<RUNNER_PORT>}): the base URL
 *     workers use to reach this runner, which differs from the bind address in containers
 */
@Validated
@ConfigurationProperties("agent-center.runner")
public record RunnerProperties(
        String name,
        @NotNull @DefaultValue(".agent-center/workspaces") Path workspaceRoot,
        @NotNull @DefaultValue("retain") CleanupMode cleanupMode,
        String internalToken,
        @Min(1) @Max(256) @DefaultValue("4") int capacity,
        @NotBlank @DefaultValue("bash -c") String shell,
        @DefaultValue("true") boolean loginEnvironment,
        @NotNull @DefaultValue("http://127.0.0.1:3002") URI publicUrl) {

    /** What happens to a run's workspace when the run ends. */
    public enum CleanupMode {
        /** Keep every workspace. */
        RETAIN,
        /** Delete the workspace of a completed or cancelled run; keep a failed run's for inspection. */
        DELETE_ON_COMPLETION
    }

    public RunnerProperties {
        if (name == null || name.isBlank()) {
            name = defaultName(publicUrl);
        }
        internalToken = internalToken == null || internalToken.isBlank() ? null : internalToken.strip();
    }

    /** True when {@code /internal/**} can be used at all. */
    public boolean internalTokenConfigured() {
        return internalToken != null;
    }

    /** The shell as a command line prefix, e.g. {@code [bash, -lc]}. */
    public List<String> shellCommand() {
        return List.of(shell.strip().split("\\s+"));
    }

    @AssertTrue(message = "must be an absolute http:// or https:// URL")
    boolean isPublicUrlHttp() {
        if (publicUrl == null) {
            return true; // @NotNull reports it
        }
        String scheme =
                publicUrl.getScheme() == null ? "" : publicUrl.getScheme().toLowerCase(Locale.ROOT);
        return (scheme.equals("http") || scheme.equals("https")) && publicUrl.getHost() != null;
    }

    private static String defaultName(URI publicUrl) {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            host = "localhost";
        }
        int port = publicUrl == null ? -1 : publicUrl.getPort();
        return port == -1 ? host : host + "-" + port;
    }
}
