package dev.agentcenter.runner.web;

import java.net.URI;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;

/**
 * The runner's error answers: RFC 9457 problem+json with a stable {@code code}, the form the API uses too, so that
 * a worker (which reads {@code code} and {@code detail}) and an operator with curl read every refusal the same way.
 */
public final class RunnerProblems {

    private RunnerProblems() {}

    /** A problem with its {@code code}, a type derived from it and the request's path as its instance. */
    public static ProblemDetail problem(HttpStatus status, String code, String detail, String path) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
        problem.setType(URI.create("https://agent-center.dev/problems/" + code.replace('_', '-')));
        problem.setTitle(status.getReasonPhrase());
        if (path != null) {
            problem.setInstance(URI.create(path));
        }
        problem.setProperty("code", code);
        return problem;
    }

    /** {@link #problem} as a response with the problem+json content type. */
    public static ResponseEntity<ProblemDetail> respond(HttpStatus status, String code, String detail, String path) {
        return ResponseEntity.status(status)
                .contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .body(problem(status, code, detail, path));
    }
}
