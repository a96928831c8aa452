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
 * Optional bearer auth: when {@code AGENT_CENTER_API_TOKEN} is set, {@code /api/**} and {@code /ws} need it.
 * Browsers cannot set headers on a WebSocket or EventSource, so those two may pass it as {@code ?token=}.
 * {@code /health}, the web UI and the API docs stay open.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 10)
class ApiTokenFilter extends OncePerRequestFilter {

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
        String path = request.getRequestURI();
        return !(path.equals("/api") || path.startsWith("/api/") || path.equals("/ws"));
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
        boolean streaming =
                request.getRequestURI().equals("/ws") || request.getRequestURI().endsWith("/events/stream");
        return streaming ? request.getParameter("token") : null;
    }
}
