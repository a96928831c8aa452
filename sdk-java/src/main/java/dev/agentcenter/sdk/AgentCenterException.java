package dev.agentcenter.sdk;

import java.util.List;

/**
 * Base of every error the SDK throws. Unchecked, so that it can cross iterators, streams and lambdas.
 *
 * <p>For API errors it carries what the server's {@code application/problem+json} body said: the HTTP
 * {@linkplain #status() status}, a stable {@linkplain #code() code} (e.g. {@code run_not_found}), the
 * {@linkplain #requestId() request id} to quote when reporting a problem, the human {@linkplain #detail() detail},
 * and, for validation errors, the {@linkplain #fieldErrors() field errors}. {@link #getMessage()} ends with
 * {@code ; code: …; request-id: …} so that logs are always traceable.
 */
public class AgentCenterException extends RuntimeException {

    private final int status;
    private final String code;
    private final String requestId;
    private final String detail;
    private final List<FieldError> fieldErrors;

    /**
     * Creates an exception.
     *
     * @param detail human-readable description of the problem
     * @param status HTTP status, or {@code 0} when there was no HTTP response
     * @param code stable machine-readable code, or {@code null}
     * @param requestId the server's request id, or {@code null}
     * @param fieldErrors field errors, empty when not a validation error
     * @param cause underlying cause, or {@code null}
     */
    public AgentCenterException(
            String detail, int status, String code, String requestId, List<FieldError> fieldErrors, Throwable cause) {
        super(detail, cause);
        this.status = status;
        this.code = code;
        this.requestId = requestId;
        this.detail = detail;
        this.fieldErrors = fieldErrors == null ? List.of() : List.copyOf(fieldErrors);
    }

    /**
     * The HTTP status of the response.
     *
     * @return the status, or {@code 0} when no response was received
     */
    public int status() {
        return status;
    }

    /**
     * The stable error code from the problem body, such as {@code validation_failed} or {@code task_has_active_run}.
     *
     * @return the code, or {@code null} when the server sent none
     */
    public String code() {
        return code;
    }

    /**
     * The id the server gave the failed request ({@code X-Request-Id}).
     *
     * @return the request id, or {@code null} when there was no response
     */
    public String requestId() {
        return requestId;
    }

    /**
     * The human-readable description of the problem.
     *
     * @return the detail
     */
    public String detail() {
        return detail;
    }

    /**
     * The per-field validation errors.
     *
     * @return the field errors, empty unless the request failed validation
     */
    public List<FieldError> fieldErrors() {
        return fieldErrors;
    }

    /** The detail followed by status, code and request id, when known. */
    @Override
    public String getMessage() {
        StringBuilder message = new StringBuilder(String.valueOf(detail));
        if (status != 0) {
            message.append("; status: ").append(status);
        }
        if (code != null) {
            message.append("; code: ").append(code);
        }
        if (requestId != null) {
            message.append("; request-id: ").append(requestId);
        }
        for (FieldError error : fieldErrors) {
            message.append("; ").append(error.field()).append(": ").append(error.message());
        }
        return message.toString();
    }

    /**
     * One invalid field of a request.
     *
     * @param field the field's path in the request body, e.g. {@code config.commands[0].command}
     * @param message what is wrong with it
     */
    public record FieldError(String field, String message) {}
}
