package dev.agentcenter.runner.sandbox.net;

import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * What one run's network may reach.
 *
 * @param mode the task's {@code config.sandbox.network}
 * @param allowedHosts in {@code allowlist} mode, the hosts the run may connect to: exact names or IP literals, or
 *     {@code *.example.com} for every subdomain of {@code example.com} (not the name itself), on any port, or on one
 *     port with {@code :port} ({@code example.com:8443}, {@code [2001:db8::1]:443}); the agent provider's API hosts
 *     belong here too
 * @param modelEndpoints the configured model endpoints ({@code AGENT_OPENAI_BASE_URL}, {@code
 *     AGENT_ANTHROPIC_BASE_URL}): always reachable in {@code allowlist} and {@code full} modes, even when they are on
 *     the runner's own host (a local gateway), where nothing else is
 * @param controlPlane endpoints that are never reachable, whatever the mode: Postgres and the API, worker and runner
 *     ports when they are not on the runner's host (on it, every local address is closed anyway)
 */
public record NetworkPolicy(
        NetworkMode mode, List<String> allowedHosts, List<Endpoint> modelEndpoints, List<Endpoint> controlPlane) {

    private static final Pattern HOST_PATTERN =
            Pattern.compile("(\\*\\.)?[a-z0-9]([a-z0-9-]{0,62})(\\.[a-z0-9]([a-z0-9-]{0,62}))*"
                    + "|[0-9]{1,3}(\\.[0-9]{1,3}){3}|[0-9a-f]{0,4}(:[0-9a-f]{0,4}){2,7}");

    public NetworkPolicy {
        Objects.requireNonNull(mode, "mode");
        allowedHosts = allowedHosts == null
                ? List.of()
                : allowedHosts.stream().map(NetworkPolicy::normalize).toList();
        for (String host : allowedHosts) {
            if (!isHostPattern(host)) {
                throw new IllegalArgumentException(
                        "not a host name, *.domain or IP address (with an optional :port): " + host);
            }
        }
        modelEndpoints = modelEndpoints == null ? List.of() : List.copyOf(modelEndpoints);
        controlPlane = controlPlane == null ? List.of() : List.copyOf(controlPlane);
    }

    /**
     * True for what {@code config.sandbox.allowedHosts} accepts: a host name, {@code *.} and a domain, or an IP
     * literal, each with an optional {@code :port}. Schemes, paths and other wildcards are refused.
     */
    public static boolean isHostPattern(String value) {
        if (value == null || value.length() > 253 + 6) {
            return false;
        }
        String[] hostPort = splitPort(normalize(value));
        return hostPort != null && HOST_PATTERN.matcher(normalize(hostPort[0])).matches();
    }

    /** [host, port or null], or null when the port is not a port. */
    private static String[] splitPort(String entry) {
        int colon = entry.lastIndexOf(':');
        boolean bracketed = entry.startsWith("[") && entry.contains("]:");
        if (colon < 0 || (!bracketed && entry.indexOf(':') != colon) || (entry.startsWith("[") && !bracketed)) {
            return new String[] {entry, null}; // no port (an IPv6 literal has colons of its own)
        }
        String port = entry.substring(colon + 1);
        if (!port.matches("[0-9]{1,5}") || Integer.parseInt(port) < 1 || Integer.parseInt(port) > 65535) {
            return null;
        }
        return new String[] {entry.substring(0, colon), port};
    }

    /** True when the run may ask for {@code host} by name (before the control-plane and local-address checks). */
    boolean admits(String host, int port) {
        String name = normalize(host);
        if (mode == NetworkMode.FULL) {
            return true;
        }
        if (mode == NetworkMode.NONE) {
            return false;
        }
        if (modelEndpoints.stream().anyMatch(endpoint -> endpoint.host().equals(name))) {
            return true;
        }
        for (String entry : allowedHosts) {
            String[] hostPort = splitPort(entry);
            String allowed = normalize(hostPort[0]);
            boolean portMatches = hostPort[1] == null || Integer.parseInt(hostPort[1]) == port;
            if (portMatches
                    && (allowed.startsWith("*.") ? name.endsWith(allowed.substring(1)) : allowed.equals(name))) {
                return true;
            }
        }
        return false;
    }

    private static String normalize(String host) {
        String name = host.strip().toLowerCase(Locale.ROOT);
        if (name.startsWith("[") && name.endsWith("]")) {
            name = name.substring(1, name.length() - 1);
        }
        return name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
    }
}
