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
 * resumes by sequence.
 */
final class Outbox<T> {

    /** Writes one message to the client; blocking is fine, it runs on the client's own thread. */
    interface Writer<T> {
        void write(T message) throws Exception;
    }

    private static final Logger log = LoggerFactory.getLogger(Outbox.class);
    private static final Object STOP = new Object();

    private final LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition room = lock.newCondition();
    private final Writer<T> writer;
    private final ToIntFunction<T> size;
    private final long maxBytes;
    private final Runnable onOverflow;
    private final Runnable onFailure;
    private long queuedBytes;
    private volatile boolean closed;

    Outbox(
            String name,
            Writer<T> writer,
            ToIntFunction<T> size,
            long maxBytes,
            Runnable onOverflow,
            Runnable onFailure) {
        this.writer = writer;
        this.size = size;
        this.maxBytes = maxBytes;
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
            overflow = queuedBytes + bytes > maxBytes;
            if (overflow) {
                closed = true;
                queue.clear();
                queue.add(STOP);
            } else {
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
     * Waits (on the caller's own virtual thread) until the queue is at most half full, so a backlog reader does not
     * read the database faster than the client takes events.
     */
    void awaitRoom() throws InterruptedException {
        lock.lock();
        try {
            while (!closed && queuedBytes > maxBytes / 2) {
                room.await(1, TimeUnit.SECONDS);
            }
        } finally {
            lock.unlock();
        }
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
                T message = (T) next;
                try {
                    writer.write(message);
                } catch (Exception e) {
                    log.debug("realtime client write failed: {}", e.toString());
                    close();
                    onFailure.run();
                    return;
                }
                lock.lock();
                try {
                    queuedBytes -= size.applyAsInt(message);
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
