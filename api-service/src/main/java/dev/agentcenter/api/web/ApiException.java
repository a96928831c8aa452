package dev.agentcenter.api.web;

import java.util.List;
import org.springframework.http.HttpStatus;

/**
 * An error a client caused, with a stable {@code code}. Rendered as problem+json by {@link ProblemAdvice}.
 */
public class ApiException extends RuntimeException {

    private final HttpStatus status;
    private final String code;
    private final List<FieldProblem> errors;

    public ApiException(HttpStatus status, String code, String detail) {
        this(status, code, detail, List.of());
    }

    public ApiException(HttpStatus status, String code, String detail, List<FieldProblem> errors) {
        super(detail, null, false, false);
        this.status = status;
        this.code = code;
        this.errors = List.copyOf(errors);
    }

    /** {@code <resource>_not_found}, 404. */
    public static ApiException notFound(String resource, Object id) {
        return new ApiException(
                HttpStatus.NOT_FOUND, resource + "_not_found", humanize(resource) + " " + id + " does not exist");
    }

    /** 409 with a code. */
    public static ApiException conflict(String code, String detail) {
        return new ApiException(HttpStatus.CONFLICT, code, detail);
    }

    /** 400 {@code validation_failed} for one field. */
    public static ApiException invalidField(String field, String message) {
        return new ApiException(
                HttpStatus.BAD_REQUEST,
                "validation_failed",
                "The request is not valid",
                List.of(new FieldProblem(field, message)));
    }

    public HttpStatus status() {
        return status;
    }

    public String code() {
        return code;
    }

    public List<FieldProblem> errors() {
        return errors;
    }

    private static String humanize(String resource) {
        String words = resource.replace('_', ' ');
        return Character.toUpperCase(words.charAt(0)) + words.substring(1);
    }

    /** One invalid field: its JSON path and what is wrong with it. */
    public record FieldProblem(String field, String message) {}
}
