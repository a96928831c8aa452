package dev.agentcenter.sdk.examples;

import dev.agentcenter.sdk.AgentCenterClient;

/** Shared setup of the examples: the server address and token come from the environment. */
final class Examples {

    private Examples() {}

    /**
     * A client for {@code AGENT_CENTER_URL} (default {@code http://localhost:3000}; the system property
     * {@code agentcenter.url} wins, which is how the end-to-end tests point the examples at their stack) with
     * {@code AGENT_CENTER_API_TOKEN}, if set.
     */
    static AgentCenterClient client() {
        String url = System.getProperty(
                "agentcenter.url", System.getenv().getOrDefault("AGENT_CENTER_URL", "http://localhost:3000"));
        return AgentCenterClient.builder()
                .baseUrl(url)
                .token(System.getenv("AGENT_CENTER_API_TOKEN"))
                .build();
    }
}
