package dev.agentcenter.sdk;

import java.util.List;

/** A wait given a time limit, such as {@link RunService#awaitCompletion}, ran out of time. Nothing was cancelled. */
public class AgentCenterTimeoutException extends AgentCenterException {

    /**
     * Creates the exception.
     *
     * @param detail what was being waited for
     */
    public AgentCenterTimeoutException(String detail) {
        super(detail, 0, null, null, List.of(), null);
    }
}
