package dev.agentcenter.sdk;

import java.util.List;

/** The server failed (5xx), after the SDK's retries for idempotent calls. Quote {@link #requestId()} when reporting it. */
public class ServerException extends AgentCenterException {

    /**
     * Creates the exception.
     *
     * @param detail human-readable description of the problem
     * @param status HTTP status (5xx)
     * @param code stable machine-readable code, or {@code null}
     * @param requestId the server's request id, or {@code null}
     * @param fieldErrors field errors, may be empty
     * @param cause underlying cause, or {@code null}
     */
    public ServerException(
            String detail, int status, String code, String requestId, List<FieldError> fieldErrors, Throwable cause) {
        super(detail, status, code, requestId, fieldErrors, cause);
    }
}
