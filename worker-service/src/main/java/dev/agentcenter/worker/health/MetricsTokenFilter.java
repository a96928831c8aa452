package dev.agentcenter.worker.health;

import dev.agentcenter.worker.WorkerProperties;
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
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * The worker's metrics ({@code /actuator/**} but the health probes) follow the runners' internal-route rule: they need
 * {@code Authorization: Bearer <RUNNER_INTERNAL_TOKEN>}, and are closed (503) while no token is configured.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 10)
class MetricsTokenFilter extends OncePerRequestFilter {

    private final byte[] expected;

    MetricsTokenFilter(WorkerProperties properties) {
        this.expected = properties.runnerTokenConfigured() ? digest(properties.runnerInternalToken()) : null;
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        // The servlet path is decoded and normalized: no spelling of /actuator/prometheus gets past this check.
        String path = request.getServletPath() + (request.getPathInfo() == null ? "" : request.getPathInfo());
        return !(path.equals("/actuator") || path.startsWith("/actuator/"))
                || path.equals("/actuator/health")
                || path.startsWith("/actuator/health/");
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        if (expected == null) {
            refuse(response, 503, "internal_token_missing", "RUNNER_INTERNAL_TOKEN is not set: metrics are disabled");
            return;
        }
        String header = request.getHeader(HttpHeaders.AUTHORIZATION);
        String presented = header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)
                ? header.substring(7).strip()
                : null;
        if (presented == null || presented.isEmpty() || !MessageDigest.isEqual(digest(presented), expected)) {
            response.setHeader(HttpHeaders.WWW_AUTHENTICATE, "Bearer");
            refuse(response, 401, "unauthorized", "Metrics need Authorization: Bearer <RUNNER_INTERNAL_TOKEN>");
            return;
        }
        chain.doFilter(request, response);
    }

    private static void refuse(HttpServletResponse response, int status, String code, String detail)
            throws IOException {
        response.setStatus(status);
        response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        // code and detail are constants without characters that need escaping
        response.getOutputStream()
                .write(("{\"status\":" + status + ",\"code\":\"" + code + "\",\"detail\":\"" + detail + "\"}")
                        .getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] digest(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
