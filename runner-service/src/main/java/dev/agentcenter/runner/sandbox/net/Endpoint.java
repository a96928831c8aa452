package dev.agentcenter.runner.sandbox.net;

import java.net.URI;
import java.util.Locale;
import java.util.Objects;

/** A host and a TCP port, as written in configuration (the host is not resolved). */
public record Endpoint(String host, int port) {

    public Endpoint {
        Objects.requireNonNull(host, "host");
        host = unbracket(host.strip().toLowerCase(Locale.ROOT));
        if (host.isEmpty() || port < 1 || port > 65535) {
            throw new IllegalArgumentException("not a host and port: " + host + ":" + port);
        }
    }

    /** The endpoint an http(s) URL connects to; the scheme's port when the URL has none. */
    public static Endpoint of(URI url) {
        int port = url.getPort();
        if (port == -1) {
            port = "https".equalsIgnoreCase(url.getScheme()) ? 443 : 80;
        }
        if (url.getHost() == null) {
            throw new IllegalArgumentException("URL without a host: " + url);
        }
        return new Endpoint(url.getHost(), port);
    }

    /** Parses {@code host:port} or {@code [v6]:port}. */
    public static Endpoint parse(String value) {
        String text = value.strip();
        int colon = text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            throw new IllegalArgumentException("expected host:port, got " + value);
        }
        try {
            return new Endpoint(text.substring(0, colon), Integer.parseInt(text.substring(colon + 1)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("expected host:port, got " + value, e);
        }
    }

    private static String unbracket(String host) {
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }

    @Override
    public String toString() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
}
