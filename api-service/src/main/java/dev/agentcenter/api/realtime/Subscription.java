package dev.agentcenter.api.realtime;

import java.util.ArrayDeque;
import java.util.List;
import java.util.UUID;

/**
 * One subscriber's position in one run. It remembers the last sequence it sent and only ever sends
 * {@code last + 1} next, so the backlog (read from the database or the feed's tail) and the live events (pushed by
 * the feed, possibly overlapping the backlog or arriving while it is being read) meet without gap or duplicate.
 */
final class Subscription {

    /** Where the events go. */
    interface Sink {
        /** False when the client is gone (or was closed as too slow): the subscription ends. */
        boolean send(FeedEvent event);

        /** The backlog has been sent; live events follow. */
        default void caughtUp() {}

        /** Blocks the backlog reader while the client's outbound queue is too full. */
        default void awaitRoom() {}

        /** False when the client lags: live events stop being queued for it and it catches up at its own pace. */
        default boolean hasRoom() {
            return true;
        }

        /** The subscription cannot go on (the backlog could not be read): the client must resume. */
        void abort(String reason);
    }

    /**
     * Live events kept while the backlog is read, by count and by bytes; past either they are dropped and read from
     * the database again.
     */
    private static final int MAX_PENDING = 10_000;

    private static final long MAX_PENDING_BYTES = 1024 * 1024;

    private final UUID runId;
    private final Sink sink;
    private final ArrayDeque<FeedEvent> pending = new ArrayDeque<>();
    private long pendingBytes;
    private long lastSent;
    private boolean catchingUp = true;
    private boolean pendingOverflowed;
    private volatile boolean closed;

    Subscription(UUID runId, long afterSequence, Sink sink) {
        this.runId = runId;
        this.lastSent = afterSequence;
        this.sink = sink;
    }

    UUID runId() {
        return runId;
    }

    boolean closed() {
        return closed;
    }

    void close() {
        closed = true;
    }

    void awaitRoom() {
        sink.awaitRoom();
    }

    void abort(String reason) {
        closed = true;
        sink.abort(reason);
    }

    synchronized long lastSent() {
        return lastSent;
    }

    /**
     * Live events from the feed, contiguous and in order. Returns true when a gap showed up and the subscription
     * must catch up from the database again (the caller schedules that).
     */
    synchronized boolean offer(List<FeedEvent> events) {
        if (closed) {
            return false;
        }
        if (catchingUp) {
            keep(events, 0);
            return false;
        }
        for (int i = 0; i < events.size(); i++) {
            FeedEvent event = events.get(i);
            if (event.sequence() <= lastSent) {
                continue;
            }
            if (event.sequence() != lastSent + 1 || !sink.hasRoom()) {
                // a gap, or a client that lags: it catches up from the tail or the database, at its own pace
                catchingUp = true;
                keep(events, i);
                return true;
            }
            send(event);
            if (closed) {
                return false;
            }
        }
        return false;
    }

    /** What {@link #backlog} decided. */
    enum Progress {
        /** Caught up (or closed): live events go straight out from now on. */
        DONE,
        /** More to send: the next page, or the rest of this one once the client has room again. */
        MORE,
        /** The feed has pushed events beyond a gap that the page did not fill: read the database. */
        GAP
    }

    /**
     * Sends a page of the backlog and decides whether catching up is finished.
     *
     * @param reachedHead the page ends where the feed (or the database, at the time of the read) ended
     */
    synchronized Progress backlog(List<FeedEvent> page, boolean reachedHead) {
        if (closed) {
            return Progress.DONE;
        }
        for (FeedEvent event : page) {
            if (event.sequence() == lastSent + 1) {
                if (!sink.hasRoom()) {
                    // the rest of the page is read again (mostly from the tail) once the client has taken some
                    return Progress.MORE;
                }
                send(event);
                if (closed) {
                    return Progress.DONE;
                }
            }
        }
        if (pendingOverflowed) {
            pendingOverflowed = false;
            return Progress.MORE;
        }
        while (!pending.isEmpty()) {
            FeedEvent next = pending.peekFirst();
            if (next.sequence() <= lastSent) {
                pendingBytes -= pending.pollFirst().bytes();
            } else if (next.sequence() == lastSent + 1) {
                if (!sink.hasRoom()) {
                    return Progress.MORE;
                }
                FeedEvent event = pending.pollFirst();
                pendingBytes -= event.bytes();
                send(event);
                if (closed) {
                    return Progress.DONE;
                }
            } else {
                break;
            }
        }
        if (!reachedHead) {
            return Progress.MORE;
        }
        if (!pending.isEmpty()) {
            return Progress.GAP;
        }
        catchingUp = false;
        sink.caughtUp();
        return Progress.DONE;
    }

    private void keep(List<FeedEvent> events, int from) {
        for (int i = from; i < events.size(); i++) {
            FeedEvent event = events.get(i);
            if (event.sequence() <= lastSent) {
                continue;
            }
            if (pending.size() >= MAX_PENDING || pendingBytes + event.bytes() > MAX_PENDING_BYTES) {
                pending.clear();
                pendingBytes = 0;
                pendingOverflowed = true;
            }
            pending.addLast(event);
            pendingBytes += event.bytes();
        }
    }

    private void send(FeedEvent event) {
        if (sink.send(event)) {
            lastSent = event.sequence();
        } else {
            closed = true;
        }
    }
}
