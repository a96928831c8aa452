package dev.agentcenter.runner.sandbox.net;

import java.util.List;
import java.util.Locale;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The network of sandboxed runs, runner-wide.
 *
 * @param defaultMode {@code RUNNER_SANDBOX_NETWORK} (default {@code full}): the network of a run whose task does not
 *     set {@code config.sandbox.network}. {@code full} because an ordinary build downloads from registries and
 *     mirrors nobody can list in advance (Maven Central, npm, PyPI, crates.io, GitHub, a company mirror); {@code full}
 *     still goes through the egress proxy, so the control plane and the runner's host stay closed
 * @param controlPlane {@code RUNNER_SANDBOX_CONTROL_PLANE} (comma-separated {@code host:port}, default none): more
 *     endpoints no run may reach, for a control plane on other hosts (the API and worker of a compose file, a remote
 *     Postgres). Postgres of {@code DATABASE_URL} is always added; everything on the runner's host is closed
 *     anyway
 */
@ConfigurationProperties("agent-center.sandbox.net")
public record NetworkProperties(
        @DefaultValue("full") String defaultMode,
        @DefaultValue("") List<String> controlPlane) {

    public NetworkProperties {
        if (NetworkMode.parse(defaultMode) == null) {
            throw new IllegalArgumentException(
                    "RUNNER_SANDBOX_NETWORK must be none, allowlist or full: " + defaultMode);
        }
        controlPlane = controlPlane == null
                ? List.of()
                : controlPlane.stream()
                        .filter(entry -> !entry.isBlank())
                        .map(String::strip)
                        .toList();
        controlPlane.forEach(Endpoint::parse); // fails at start on a malformed entry
    }

    public NetworkMode mode() {
        return NetworkMode.parse(defaultMode.toLowerCase(Locale.ROOT));
    }

    /** The configured endpoints, parsed. */
    public List<Endpoint> controlPlaneEndpoints() {
        return controlPlane.stream().map(Endpoint::parse).toList();
    }
}
