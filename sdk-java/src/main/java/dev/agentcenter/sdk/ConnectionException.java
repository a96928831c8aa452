package dev.agentcenter.sdk;

import java.util.List;

/**
 * No usable HTTP response: the server could not be reached, the connection broke or a timeout expired. When the
 * request may have reached the server (a non-idempotent call failing after it was sent), it is not retried, and the
 * caller has to check whether it took effect.
 */
public class ConnectionException extends AgentCenterException {

    /**
     * Creates the exception.
     *
     * @param detail what failed
     * @param cause the underlying I/O error, or {@code null}
     */
    public ConnectionException(String detail, Throwable cause) {
        super(detail, 0, null, null, List.of(), cause);
    }
}
