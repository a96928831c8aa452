package dev.agentcenter.api.web;

import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A host name (lower case; an IPv6 address in brackets) and a port, or {@link #ANY_PORT} when none was given:
 * what a {@code Host} header, an allowlist entry or the host part of an {@code Origin} says.
 */
record Authority(String host, int port) {

    static final int ANY_PORT = -1;

    private static final Pattern SHAPE =
            Pattern.compile("(\\[[0-9a-f:.]+]|[a-z0-9_](?:[a-z0-9_.-]*[a-z0-9_])?)(?::([0-9]{1,5}))?");
    private static final Pattern ORIGIN = Pattern.compile("(https?)://([^/?#@]+)");

    /** {@code host} or {@code host:port}, as in a {@code Host} header; empty when it is anything else. */
    static Optional<Authority> parse(String value) {
        if (value == null) {
            return Optional.empty();
        }
        Matcher matcher = SHAPE.matcher(value.strip().toLowerCase(Locale.ROOT));
        if (!matcher.matches()) {
            return Optional.empty();
        }
        int port = ANY_PORT;
        if (matcher.group(2) != null) {
            port = Integer.parseInt(matcher.group(2));
            if (port < 1 || port > 65535) {
                return Optional.empty();
            }
        }
        return Optional.of(new Authority(matcher.group(1), port));
    }

    /**
     * The authority of a serialized origin ({@code http://host[:port]}, as browsers send it), with the scheme's
     * default port filled in; empty for {@code null} (an opaque origin), other schemes, paths or anything else.
     */
    static Optional<Authority> ofOrigin(String origin) {
        if (origin == null) {
            return Optional.empty();
        }
        Matcher matcher = ORIGIN.matcher(origin.strip().toLowerCase(Locale.ROOT));
        if (!matcher.matches()) {
            return Optional.empty();
        }
        int defaultPort = matcher.group(1).equals("https") ? 443 : 80;
        return parse(matcher.group(2))
                .map(authority -> authority.port == ANY_PORT ? new Authority(authority.host, defaultPort) : authority);
    }

    /** True when {@code other} names this host, on this port or, if this one has none, on any. */
    boolean covers(Authority other) {
        return host.equals(other.host) && (port == ANY_PORT || port == other.port);
    }

    /**
     * True when a page of {@code origin} (an authority from {@link #ofOrigin}) sent this request whose {@code Host}
     * is this authority. A browser leaves the port out of {@code Host} only when it is the scheme's default.
     */
    boolean sameOriginAs(Authority origin) {
        if (!host.equals(origin.host)) {
            return false;
        }
        return port == ANY_PORT ? origin.port == 80 || origin.port == 443 : port == origin.port;
    }

    @Override
    public String toString() {
        return port == ANY_PORT ? host : host + ":" + port;
    }
}
