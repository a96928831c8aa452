package dev.agentcenter.runner.sandbox.net;

import java.util.Locale;

/** A task's {@code config.sandbox.network}: what a sandboxed run may reach. */
public enum NetworkMode {
    /** No network at all: a namespace with only its own loopback, and no proxy. */
    NONE,
    /** Only the hosts in {@code config.sandbox.allowedHosts}, the agent provider's API hosts and model endpoints. */
    ALLOWLIST,
    /** Every host, except the control plane and the runner's host. */
    FULL;

    /** Parses {@code none}, {@code allowlist} or {@code full} (any case); null for anything else. */
    public static NetworkMode parse(String value) {
        if (value == null) {
            return null;
        }
        return switch (value.strip().toLowerCase(Locale.ROOT)) {
            case "none" -> NONE;
            case "allowlist" -> ALLOWLIST;
            case "full" -> FULL;
            default -> null;
        };
    }

    public String configValue() {
        return name().toLowerCase(Locale.ROOT);
    }
}
