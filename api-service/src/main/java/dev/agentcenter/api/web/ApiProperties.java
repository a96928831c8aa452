package dev.agentcenter.api.web;

import java.util.List;
import java.util.Objects;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * HTTP-level settings of the API: its front door (token, names, origins) and body limit.
 *
 * @param token when set ({@code AGENT_CENTER_API_TOKEN}), {@code /api/**} and {@code /ws} require
 *     {@code Authorization: Bearer <token>}
 * @param maxBodyBytes request bodies larger than this get 413
 * @param allowedHosts {@code API_ALLOWED_HOSTS}: names the API answers to besides the loopback ones
 *     ({@code localhost}, {@code 127.0.0.1}, {@code [::1]}) and {@link #listenHost}; {@code name} allows any port,
 *     {@code name:port} that port only. Any other {@code Host} gets 421 {@code host_not_allowed}
 * @param allowedOrigins {@code API_ALLOWED_ORIGINS}: origins ({@code scheme://host[:port]}) besides the request's
 *     own that may change things and open {@code /ws}, e.g. a dev server or a proxy that rewrites {@code Host}
 * @param listenHost {@code API_HOST}, the address the API listens on: allowed as a name too unless it is a wildcard
 *     ({@code 0.0.0.0}, {@code ::})
 */
@ConfigurationProperties("agent-center.api")
public record ApiProperties(
        String token,
        @DefaultValue("1048576") long maxBodyBytes,
        @DefaultValue List<String> allowedHosts,
        @DefaultValue List<String> allowedOrigins,
        @DefaultValue("127.0.0.1") String listenHost) {

    public ApiProperties {
        allowedHosts = entries(allowedHosts);
        allowedOrigins = entries(allowedOrigins);
        for (String host : allowedHosts) {
            if (Authority.parse(host).isEmpty()) {
                throw new IllegalArgumentException("API_ALLOWED_HOSTS: '" + host
                        + "' is not a host name or host:port (a wildcard is not accepted: it would let any web page"
                        + " reach the API by pointing its own name at this machine)");
            }
        }
        for (String origin : allowedOrigins) {
            if (Authority.ofOrigin(origin).isEmpty()) {
                throw new IllegalArgumentException("API_ALLOWED_ORIGINS: '" + origin
                        + "' is not an origin such as https://agents.example.com or http://localhost:5173 (scheme,"
                        + " host and optional port; no path, no wildcard)");
            }
        }
    }

    /** True when requests must carry the token. */
    public boolean authRequired() {
        return token != null && !token.isBlank();
    }

    /** An empty variable binds as one empty entry; commas with spaces around them are fine. */
    private static List<String> entries(List<String> values) {
        return values == null
                ? List.of()
                : values.stream()
                        .filter(Objects::nonNull)
                        .map(String::strip)
                        .filter(value -> !value.isEmpty())
                        .toList();
    }
}
