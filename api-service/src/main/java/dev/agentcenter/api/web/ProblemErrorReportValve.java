package dev.agentcenter.api.web;

import java.io.IOException;
import java.io.Writer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ErrorReportValve;
import org.apache.coyote.ActionCode;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import tools.jackson.databind.json.JsonMapper;

/**
 * Tomcat's answer to what it refuses before the application sees the request — a URI that is not valid
 * percent-encoded UTF-8, an encoded NUL — as problem+json instead of Tomcat's HTML page, so that every client gets
 * one error shape with a {@code code}. Everything that reaches the application is answered by {@link Problems}
 * and {@link ProblemAdvice}; this valve only writes when nothing else has.
 */
final class ProblemErrorReportValve extends ErrorReportValve {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Override
    protected void report(Request request, Response response, Throwable throwable) {
        int status = response.getStatus();
        if (status < 400 || response.getContentWritten() > 0 || !response.setErrorReported()) {
            return;
        }
        AtomicBoolean ioAllowed = new AtomicBoolean();
        response.getCoyoteResponse().action(ActionCode.IS_IO_ALLOWED, ioAllowed);
        if (!ioAllowed.get()) {
            return;
        }
        HttpStatus known = HttpStatus.resolve(status);
        String code = switch (status) {
            case 400 -> "malformed_request";
            case 404 -> "not_found";
            case 405 -> "method_not_allowed";
            case 413 -> "payload_too_large";
            default -> status >= 500 ? "internal_error" : "request_refused";
        };
        // Usually RequestIds never ran for such a request: then it gets its id here, so it can still be quoted.
        String given = response.getHeader(RequestIds.HEADER);
        String id = given != null ? given : UUID.randomUUID().toString();
        Map<String, Object> problem = new LinkedHashMap<>();
        problem.put("type", "https://agent-center.dev/problems/" + code.replace('_', '-'));
        problem.put("title", known == null ? "Error" : known.getReasonPhrase());
        problem.put("status", status);
        problem.put(
                "detail",
                status == 400
                        ? "The request could not be read: its URI or a header is malformed"
                        : "The server refused the request before reading it");
        problem.put("code", code);
        problem.put("requestId", id);
        try {
            response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
            response.setCharacterEncoding("UTF-8");
            response.setHeader(RequestIds.HEADER, id);
            Writer writer = response.getReporter();
            if (writer != null) {
                writer.write(JSON.writeValueAsString(problem));
                response.finishResponse();
            }
        } catch (IOException | IllegalStateException e) {
            // the client is gone or the response was committed meanwhile: nothing left to tell it
        }
    }
}
