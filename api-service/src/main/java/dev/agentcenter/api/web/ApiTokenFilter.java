package dev.agentcenter.api.web;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Optional bearer auth: when {@code AGENT_CENTER_API_TOKEN} is set, {@code /api/**}, {@code /ws} and the metrics
 * ({@code /actuator/**} but the health probes) need it.
 * Browsers cannot set headers on a WebSocket or EventSource, so those two may pass it as {@code ?token=}.
 * {@code /health}, the web UI and the API docs stay open, and so does {@code /api/webhooks/github}, whose every
 * delivery must carry GitHub's HMAC signature instead.
 *
 * <p>Which routes are protected is decided on the decoded path the router uses ({@link CanonicalPath}), never on
 * the raw URI: {@code /%61pi/credentials} is {@code /api/credentials}. {@link FrontDoorFilter} has already refused
 * every path that could be read two ways; a path that still cannot be read is treated as protected.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 10)
class ApiTokenFilter extends OncePerRequestFilter {

    /** GitHub's deliveries, which prove themselves with a signature instead of the API token. */
    private static final String GITHUB_WEBHOOKS = "/api/webhooks/github";

    private final ApiProperties properties;
    private final Problems problems;

    ApiTokenFilter(ApiProperties properties, Problems problems) {
        this.properties = properties;
        this.problems = problems;
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        if (!properties.authRequired()) {
            return true;
        }
        String path = CanonicalPath.of(request);
        return path != null && !isProtected(path);
    }

    private static boolean isProtected(String path) {
        if (path.equals(GITHUB_WEBHOOKS)) {
            return false; // authenticated by its HMAC signature (GitHubWebhookController), GitHub has no API token
        }
        return path.equals("/api")
                || path.startsWith("/api/")
                || path.equals("/ws")
                || path.startsWith("/ws/")
                || isProtectedActuator(path);
    }

    /** Metrics ({@code /actuator/prometheus}) need the token; the health probes stay open like {@code /health}. */
    private static boolean isProtectedActuator(String path) {
        return (path.equals("/actuator") || path.startsWith("/actuator/"))
                && !(path.equals("/actuator/health") || path.startsWith("/actuator/health/"));
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String presented = presentedToken(request);
        if (presented == null) {
            response.setHeader(HttpHeaders.WWW_AUTHENTICATE, "Bearer");
            problems.write(
                    response,
                    request,
                    HttpStatus.UNAUTHORIZED,
                    "unauthorized",
                    "This server requires an API token: send Authorization: Bearer <token>");
            return;
        }
        if (!MessageDigest.isEqual(
                presented.getBytes(StandardCharsets.UTF_8), properties.token().getBytes(StandardCharsets.UTF_8))) {
            response.setHeader(HttpHeaders.WWW_AUTHENTICATE, "Bearer error=\"invalid_token\"");
            problems.write(response, request, HttpStatus.UNAUTHORIZED, "invalid_token", "The API token is not valid");
            return;
        }
        chain.doFilter(request, response);
    }

    private static String presentedToken(HttpServletRequest request) {
        String header = request.getHeader(HttpHeaders.AUTHORIZATION);
        if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return header.substring(7).strip();
        }
        String path = CanonicalPath.of(request);
        boolean streaming = path != null && (path.equals("/ws") || path.endsWith("/events/stream"));
        return streaming ? request.getParameter("token") : null;
    }
}
