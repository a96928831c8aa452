package dev.agentcenter.runner.web;

import dev.agentcenter.runner.RunnerProperties;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;
import tools.jackson.databind.ObjectMapper;

/**
 * Guards {@code /internal/**}, the routes that start and control runs on this host, and the metrics
 * ({@code /actuator/prometheus}). Every request needs
 * {@code Authorization: Bearer <RUNNER_INTERNAL_TOKEN>}; while no token is configured the routes are closed
 * (503) rather than open, so a runner started without one cannot be driven by anybody who reaches its port.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 10)
class InternalTokenFilter extends OncePerRequestFilter {

    private final byte[] expectedDigest;
    private final ObjectMapper json;

    InternalTokenFilter(RunnerProperties properties, ObjectMapper json) {
        this.expectedDigest = properties.internalTokenConfigured() ? sha256(properties.internalToken()) : null;
        this.json = json;
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        // The servlet path is decoded and normalized (no "..", "//" or ";params"), the form the handler mapping
        // matches against, so no spelling of an internal route gets past this check.
        String path = request.getServletPath() + (request.getPathInfo() == null ? "" : request.getPathInfo());
        return !(path.equals("/internal") || path.startsWith("/internal/") || isMetrics(path));
    }

    /** {@code /actuator/**} but the health probes: metrics name runs' outcomes, so they need the token too. */
    static boolean isMetrics(String path) {
        return (path.equals("/actuator") || path.startsWith("/actuator/"))
                && !(path.equals("/actuator/health") || path.startsWith("/actuator/health/"));
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        if (expectedDigest == null) {
            problem(
                    request,
                    response,
                    HttpStatus.SERVICE_UNAVAILABLE,
                    "internal_token_missing",
                    "This runner has no RUNNER_INTERNAL_TOKEN configured, so its internal routes are disabled");
            return;
        }
        String presented = bearerToken(request);
        // Comparing digests keeps the comparison constant-time in the token's length too.
        if (presented == null || !MessageDigest.isEqual(sha256(presented), expectedDigest)) {
            response.setHeader(HttpHeaders.WWW_AUTHENTICATE, "Bearer");
            problem(
                    request,
                    response,
                    HttpStatus.UNAUTHORIZED,
                    "unauthorized",
                    "Internal routes need Authorization: Bearer <RUNNER_INTERNAL_TOKEN>");
            return;
        }
        chain.doFilter(request, response);
    }

    private static String bearerToken(HttpServletRequest request) {
        String header = request.getHeader(HttpHeaders.AUTHORIZATION);
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        String token = header.substring(7).strip();
        return token.isEmpty() ? null : token;
    }

    private void problem(
            HttpServletRequest request, HttpServletResponse response, HttpStatus status, String code, String detail)
            throws IOException {
        ProblemDetail problem = RunnerProblems.problem(status, code, detail, request.getRequestURI());
        response.setStatus(status.value());
        response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        json.writeValue(response.getOutputStream(), problem);
    }

    private static byte[] sha256(String value) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
