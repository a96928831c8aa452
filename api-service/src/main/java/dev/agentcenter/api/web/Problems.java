package dev.agentcenter.api.web;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Optional;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.stereotype.Component;
import tools.jackson.databind.ObjectMapper;

/** Builds RFC 9457 problem bodies, the one error shape of the API. */
@Component
public class Problems {

    private final ObjectMapper json;

    Problems(ObjectMapper json) {
        this.json = json;
    }

    /** A problem with a stable {@code code} and the request's id. */
    public static ProblemDetail of(
            HttpStatus status,
            String code,
            String detail,
            List<ApiException.FieldProblem> errors,
            HttpServletRequest request) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
        problem.setType(URI.create("https://agent-center.dev/problems/" + code.replace('_', '-')));
        problem.setTitle(status.getReasonPhrase());
        instance(request).ifPresent(problem::setInstance);
        problem.setProperty("code", code);
        problem.setProperty("requestId", RequestIds.of(request));
        if (!errors.isEmpty()) {
            problem.setProperty("errors", errors);
        }
        return problem;
    }

    /** The request's path as the problem's instance; a hostile path may be no URI at all, and then has none. */
    private static Optional<URI> instance(HttpServletRequest request) {
        String path = request.getRequestURI();
        try {
            return path == null ? Optional.empty() : Optional.of(new URI(path));
        } catch (URISyntaxException e) {
            return Optional.empty();
        }
    }

    /** Writes a problem directly, for filters that answer before any controller runs. */
    public void write(
            HttpServletResponse response, HttpServletRequest request, HttpStatus status, String code, String detail)
            throws IOException {
        response.setStatus(status.value());
        response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        json.writeValue(response.getOutputStream(), of(status, code, detail, List.of(), request));
    }
}
