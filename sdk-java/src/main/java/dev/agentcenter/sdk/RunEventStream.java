package dev.agentcenter.sdk;

import dev.agentcenter.model.RunEvent;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The events of one run as a blocking iterator, from {@link RunService#stream(java.util.UUID)}.
 *
 * <pre>{@code
 * try (RunEventStream events = client.runs().stream(runId)) {
 *     while (events.hasNext()) {
 *         RunEvent event = events.next();
 *         System.out.println(event.sequence() + " " + event.eventType() + " " + event.message());
 *     }
 * }
 * }</pre>
 *
 * <p>{@link #hasNext()} blocks until the next event arrives; it returns {@code false} after the terminal event
 * ({@code run.completed}, {@code run.failed} or {@code run.cancelled}) and after {@link #close()}. It throws the
 * {@link AgentCenterException} with which the stream failed (see {@link RunEventListener#onFailure}). Events arrive
 * in sequence order, each once; reconnects are invisible. A consumer that falls behind makes the SDK stop reading
 * (a bounded buffer), so memory stays bounded and the server resumes it later. Not thread-safe: use it from one
 * thread.
 */
public final class RunEventStream implements Iterator<RunEvent>, AutoCloseable {

    private static final int BUFFER = 1024;
    private static final Object END = new Object();

    private final BlockingQueue<Object> queue = new LinkedBlockingQueue<>(BUFFER);
    private final Subscription subscription;
    private Object next;
    private boolean done;
    private volatile boolean closed;

    RunEventStream(Function<RunEventListener, Subscription> open) {
        this.subscription = open.apply(new RunEventListener() {
            @Override
            public void onEvent(RunEvent event) {
                put(event);
            }

            @Override
            public void onEnd(RunEvent terminalEvent) {
                put(END);
            }

            @Override
            public void onFailure(AgentCenterException error) {
                put(error);
            }
        });
    }

    private void put(Object item) {
        try {
            // Blocking here is the backpressure: the reader thread stops, and the socket with it.
            while (!closed && !queue.offer(item, 100, TimeUnit.MILLISECONDS)) {
                // re-check closed: close() must not leave the reader thread stuck on a full queue
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Waits for the next event.
     *
     * @return {@code true} if there is one; {@code false} after the terminal event or {@link #close()}
     * @throws AgentCenterException if the stream failed
     */
    @Override
    public boolean hasNext() {
        if (next != null) {
            return true;
        }
        if (done) {
            return false;
        }
        Object item;
        try {
            item = queue.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new ConnectionException("interrupted while waiting for run events", e);
        }
        if (item == END) {
            done = true;
            return false;
        }
        if (item instanceof AgentCenterException error) {
            done = true;
            throw error;
        }
        next = item;
        return true;
    }

    /**
     * The next event, waiting for it if needed.
     *
     * @return the event
     * @throws NoSuchElementException after the terminal event or {@link #close()}
     * @throws AgentCenterException if the stream failed
     */
    @Override
    public RunEvent next() {
        if (!hasNext()) {
            throw new NoSuchElementException("the run's stream has ended");
        }
        RunEvent event = (RunEvent) next;
        next = null;
        return event;
    }

    /**
     * The sequence of the last event received from the server (possibly still buffered here).
     *
     * @return the sequence
     */
    public long lastSequence() {
        return subscription.lastSequence();
    }

    /** Stops the stream and closes its connection; {@link #hasNext()} then returns {@code false}. Idempotent. */
    @Override
    public void close() {
        closed = true;
        subscription.close();
        // Buffered events are dropped: the caller asked to stop.
        next = null;
        queue.clear();
        queue.offer(END);
    }
}
