package dev.agentcenter.api.realtime;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.ToIntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bounded outbound queue of one client, drained by its own virtual thread. Whoever produces messages (the
 * listener's feed readers, a backlog reader, the session's own thread) only enqueues, so a slow or stuck client
 * can never block anyone else; when its queue exceeds the limit it is given up ({@code onOverflow}) and the client
 * resumes by sequence. Every outbox also draws on one {@link ByteBudget} shared by all clients, so their total is
 * bounded too: past half of it clients lag, past all of it the client whose message does not fit is given up.
 */
final class Outbox<T> {

    /** Writes one message to the client; blocking is fine, it runs on the client's own thread. */
    interface Writer<T> {
        void write(T message) throws Exception;
    }

    private static final Logger log = LoggerFactory.getLogger(Outbox.class);
    private static final Object STOP = new Object();

    /** The last thing the writer does, after the message it may be blocked on. */
    private record Final(Runnable action) {}

    private final LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition room = lock.newCondition();
    private final Writer<T> writer;
    private final ToIntFunction<T> size;
    private final long maxBytes;
    private final ByteBudget shared;
    private final Runnable onOverflow;
    private final Runnable onGiveUp;
    private final Runnable onFailure;
    private final long stuckNanos;
    private long queuedBytes;
    private long lastProgress = System.nanoTime();
    private volatile boolean closed;

    Outbox(
            String name,
            Writer<T> writer,
            ToIntFunction<T> size,
            long maxBytes,
            ByteBudget shared,
            java.time.Duration stuckAfter,
            Runnable onOverflow,
            Runnable onGiveUp,
            Runnable onFailure) {
        this.onGiveUp = onGiveUp;
        this.stuckNanos = stuckAfter.toNanos();
        this.writer = writer;
        this.size = size;
        this.maxBytes = maxBytes;
        this.shared = shared;
        this.onOverflow = onOverflow;
        this.onFailure = onFailure;
        Thread.ofVirtual().name(name).start(this::drain);
    }

    /** Queues a message; false when the outbox is closed, or has just been closed because the client is too slow. */
    boolean offer(T message) {
        int bytes = size.applyAsInt(message);
        boolean overflow;
        lock.lock();
        try {
            if (closed) {
                return false;
            }
            // a client's first message always fits the shared budget: answers to its requests must get out
            overflow = queuedBytes + bytes > maxBytes || (queuedBytes > 0 && !shared.tryTake(bytes));
            if (overflow) {
                giveUpLocked(onGiveUp);
            } else {
                if (queuedBytes == 0) {
                    lastProgress = System.nanoTime();
                    shared.take(bytes);
                }
                queuedBytes += bytes;
                queue.add(message);
            }
        } finally {
            lock.unlock();
        }
        if (overflow) {
            Thread.ofVirtual().start(onOverflow);
            return false;
        }
        return true;
    }

    /**
     * True while at most half the limit is queued (and at most half the shared budget is used): live events may be
     * queued; otherwise the client lags.
     */
    boolean hasRoom() {
        lock.lock();
        try {
            return !closed && queuedBytes <= maxBytes / 2 && (queuedBytes == 0 || shared.halfFree());
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits (on the caller's own virtual thread) until at most half the limit is queued, so a backlog reader does
     * not read the database faster than the client takes events. A client that takes nothing for the stuck time
     * is given up ({@code onOverflow}).
     */
    void awaitRoom() throws InterruptedException {
        boolean stuck = false;
        lock.lock();
        try {
            while (!closed && (queuedBytes > maxBytes / 2 || (queuedBytes > 0 && !shared.halfFree()))) {
                if (System.nanoTime() - lastProgress > stuckNanos) {
                    stuck = true;
                    giveUpLocked(onGiveUp);
                    break;
                }
                room.await(200, TimeUnit.MILLISECONDS);
            }
        } finally {
            lock.unlock();
        }
        if (stuck) {
            Thread.ofVirtual().start(onOverflow);
        }
    }

    /**
     * Drops what is queued and has the writer run {@code finalAction} (e.g. close the session with a reason) once
     * the message it may be writing is out: a session must not be closed while a message is half written.
     */
    void giveUp(Runnable finalAction) {
        lock.lock();
        try {
            if (!closed) {
                giveUpLocked(finalAction);
            }
        } finally {
            lock.unlock();
        }
    }

    private void giveUpLocked(Runnable finalAction) {
        closed = true;
        queue.clear();
        shared.give(queuedBytes);
        queuedBytes = 0;
        queue.add(new Final(finalAction));
        room.signalAll();
    }

    boolean closed() {
        return closed;
    }

    /** Stops after the messages already queued. */
    void close() {
        lock.lock();
        try {
            if (!closed) {
                closed = true;
                queue.add(STOP);
            }
            room.signalAll();
        } finally {
            lock.unlock();
        }
    }

    @SuppressWarnings("unchecked")
    private void drain() {
        try {
            while (true) {
                Object next = queue.take();
                if (next == STOP) {
                    return;
                }
                if (next instanceof Final(Runnable action)) {
                    action.run();
                    return;
                }
                T message = (T) next;
                try {
                    writer.write(message);
                } catch (Exception e) {
                    log.debug("realtime client write failed: {}", e.toString());
                    lock.lock();
                    try {
                        // nothing more will be written: what is queued goes back to the shared budget
                        closed = true;
                        queue.clear();
                        shared.give(queuedBytes);
                        queuedBytes = 0;
                        room.signalAll();
                    } finally {
                        lock.unlock();
                    }
                    onFailure.run();
                    return;
                }
                lock.lock();
                try {
                    int bytes = size.applyAsInt(message);
                    if (!closed || queuedBytes > 0) {
                        queuedBytes -= bytes;
                        shared.give(bytes);
                    }
                    lastProgress = System.nanoTime();
                    room.signalAll();
                } finally {
                    lock.unlock();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
