package dev.agentcenter.api.web;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * HTTP-level settings of the API.
 *
 * @param token when set ({@code AGENT_CENTER_API_TOKEN}), {@code /api/**} and {@code /ws} require
 *     {@code Authorization: Bearer <token>}
 * @param maxBodyBytes request bodies larger than this get 413
 */
@ConfigurationProperties("agent-center.api")
public record ApiProperties(
        String token, @DefaultValue("1048576") long maxBodyBytes) {

    /** True when requests must carry the token. */
    public boolean authRequired() {
        return token != null && !token.isBlank();
    }
}
