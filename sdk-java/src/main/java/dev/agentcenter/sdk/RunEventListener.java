package dev.agentcenter.sdk;

import dev.agentcenter.model.RunEvent;

/**
 * Receives the events of one run from {@link RunService#stream(java.util.UUID, long, RunEventListener)}.
 *
 * <p>Threading: calls come from the SDK's WebSocket reader thread, one at a time and never concurrently, in
 * {@code sequence} order, each event exactly once (also across reconnects). A slow listener slows the stream down;
 * the server may then drop the connection, which the SDK resumes transparently. After {@link #onEnd} or
 * {@link #onFailure} no further calls to this listener are made, nor after {@link Subscription#close()} returned
 * (a call already in progress may finish).
 */
public interface RunEventListener {

    /**
     * One event of the run, the terminal one ({@code run.completed}, {@code run.failed}, {@code run.cancelled})
     * included.
     *
     * @param event the next event; its sequence is one more than the previous one's. If this method throws, the
     *     stream stops and {@link #onFailure} is called with code {@code listener_failed}.
     */
    void onEvent(RunEvent event);

    /**
     * The run is over: called right after {@link #onEvent} for the terminal event. The subscription is closed.
     *
     * @param terminalEvent the terminal event
     */
    default void onEnd(RunEvent terminalEvent) {}

    /**
     * The stream gave up: the server refused the subscription (for instance {@link NotFoundException} for an
     * unknown run or a server without {@code /ws}, {@link AuthenticationException} for a wrong token), or it could
     * not reconnect within the configured attempts ({@link ConnectionException}). The subscription is closed.
     *
     * @param error why
     */
    default void onFailure(AgentCenterException error) {}
}
