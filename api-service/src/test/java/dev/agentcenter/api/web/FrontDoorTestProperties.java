package dev.agentcenter.api.web;

/**
 * The allowlists the front-door tests configure, as constants so that every test class using them shares one
 * Spring context (and one server) instead of starting its own.
 */
final class FrontDoorTestProperties {

    /** A name with any port, and a name on one port only. */
    static final String ALLOWED_HOSTS = "agent-center.api.allowed-hosts=agents.example.com, ci.internal:8443";

    /** The Vite dev server, and a UI served elsewhere by a proxy that rewrites Host. */
    static final String ALLOWED_ORIGINS =
            "agent-center.api.allowed-origins=http://localhost:5173, https://agents.example.com";

    private FrontDoorTestProperties() {}
}
