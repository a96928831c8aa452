package dev.agentcenter.api.realtime;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Bytes shared by many holders (the tails of all followed runs, the outboxes of all clients), so that their total
 * stays bounded however many runs are followed and clients connected.
 */
final class ByteBudget {

    private final long max;
    private final AtomicLong used = new AtomicLong();

    ByteBudget(long max) {
        this.max = max;
    }

    /** Takes {@code bytes} if they fit. */
    boolean tryTake(long bytes) {
        while (true) {
            long now = used.get();
            if (now + bytes > max) {
                return false;
            }
            if (used.compareAndSet(now, now + bytes)) {
                return true;
            }
        }
    }

    /** Takes {@code bytes} whether they fit or not (the caller checked its own limit). */
    void take(long bytes) {
        used.addAndGet(bytes);
    }

    void give(long bytes) {
        used.addAndGet(-bytes);
    }

    long used() {
        return used.get();
    }

    long max() {
        return max;
    }

    /** At most half used: room for live events. */
    boolean halfFree() {
        return used.get() <= max / 2;
    }
}
