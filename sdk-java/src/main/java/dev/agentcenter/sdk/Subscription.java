package dev.agentcenter.sdk;

/**
 * A live stream started by {@link RunService#stream(java.util.UUID, long, RunEventListener)}.
 *
 * <p>States: <em>open</em> (connecting, connected or waiting to reconnect) until the run's terminal event was
 * delivered, the stream failed, or {@link #close()} was called; then <em>closed</em>, for good.
 */
public interface Subscription extends AutoCloseable {

    /**
     * The sequence of the last event delivered to the listener; where a new stream would resume.
     *
     * @return the sequence, or the {@code afterSequence} the stream started from when nothing arrived yet
     */
    long lastSequence();

    /**
     * Whether the stream has ended (terminal event, failure or close).
     *
     * @return {@code true} once closed
     */
    boolean isClosed();

    /**
     * Stops the stream and closes its connection. Returns immediately; idempotent. No listener calls start after it
     * returned.
     */
    @Override
    void close();
}
