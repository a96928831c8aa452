package dev.agentcenter.sdk;

import java.util.List;

/** The request was invalid (400, 422): fix it before sending it again; see {@link #fieldErrors()}. */
public class BadRequestException extends AgentCenterException {

    /**
     * Creates the exception.
     *
     * @param detail human-readable description of the problem
     * @param status HTTP status (400 or 422)
     * @param code stable machine-readable code, or {@code null}
     * @param requestId the server's request id, or {@code null}
     * @param fieldErrors field errors, may be empty
     * @param cause underlying cause, or {@code null}
     */
    public BadRequestException(
            String detail, int status, String code, String requestId, List<FieldError> fieldErrors, Throwable cause) {
        super(detail, status, code, requestId, fieldErrors, cause);
    }
}
