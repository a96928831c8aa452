package dev.agentcenter.sdk;

import java.util.List;

/** The request conflicts with the current state (409), e.g. {@code task_has_active_run}: wait or cancel, then retry. */
public class ConflictException extends AgentCenterException {

    /**
     * Creates the exception.
     *
     * @param detail human-readable description of the problem
     * @param status HTTP status (409)
     * @param code stable machine-readable code, or {@code null}
     * @param requestId the server's request id, or {@code null}
     * @param fieldErrors field errors, may be empty
     * @param cause underlying cause, or {@code null}
     */
    public ConflictException(
            String detail, int status, String code, String requestId, List<FieldError> fieldErrors, Throwable cause) {
        super(detail, status, code, requestId, fieldErrors, cause);
    }
}
