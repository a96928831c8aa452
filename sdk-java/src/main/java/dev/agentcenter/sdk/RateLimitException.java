package dev.agentcenter.sdk;

import java.util.List;

/** Too many requests (429), after the SDK's own bounded retries: slow down. */
public class RateLimitException extends AgentCenterException {

    /**
     * Creates the exception.
     *
     * @param detail human-readable description of the problem
     * @param status HTTP status (429)
     * @param code stable machine-readable code, or {@code null}
     * @param requestId the server's request id, or {@code null}
     * @param fieldErrors field errors, may be empty
     * @param cause underlying cause, or {@code null}
     */
    public RateLimitException(
            String detail, int status, String code, String requestId, List<FieldError> fieldErrors, Throwable cause) {
        super(detail, status, code, requestId, fieldErrors, cause);
    }
}
