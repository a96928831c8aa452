package dev.agentcenter.sdk;

import java.util.List;

/** The resource does not exist (404); {@link #code()} says which kind, e.g. {@code run_not_found}. */
public class NotFoundException extends AgentCenterException {

    /**
     * Creates the exception.
     *
     * @param detail human-readable description of the problem
     * @param status HTTP status (404)
     * @param code stable machine-readable code, or {@code null}
     * @param requestId the server's request id, or {@code null}
     * @param fieldErrors field errors, may be empty
     * @param cause underlying cause, or {@code null}
     */
    public NotFoundException(
            String detail, int status, String code, String requestId, List<FieldError> fieldErrors, Throwable cause) {
        super(detail, status, code, requestId, fieldErrors, cause);
    }
}
