package dev.agentcenter.support.lifecycle;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Runs one body every interval on its own thread, from context start to context stop. A failing round is logged
 * and the next one runs on schedule: a database outage must not end the loop. {@link #stop()} wakes the thread
 * and waits (bounded) for the round in progress, so no round is cut in half by shutdown.
 */
public final class IntervalLoop implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(IntervalLoop.class);
    private static final Duration STOP_WAIT = Duration.ofSeconds(10);

    private final String name;
    private final Duration interval;
    private final Runnable body;
    private volatile boolean running;
    private volatile Thread thread;

    public IntervalLoop(String name, Duration interval, Runnable body) {
        this.name = name;
        this.interval = interval;
        this.body = body;
    }

    @Override
    public synchronized void start() {
        if (running) {
            return;
        }
        running = true;
        thread = Thread.ofPlatform().name(name).start(this::loop);
    }

    private void loop() {
        boolean failing = false;
        while (running) {
            try {
                body.run();
                if (failing) {
                    log.info("{}: working again", name);
                    failing = false;
                }
            } catch (RuntimeException e) {
                // Log the first failure in full and the repeats briefly: an outage would otherwise flood the log.
                if (failing) {
                    log.debug("{}: round failed again: {}", name, e.toString());
                } else {
                    log.warn("{}: round failed; retrying every {}", name, interval, e);
                    failing = true;
                }
            }
            long deadline = System.nanoTime() + interval.toNanos();
            long left;
            while (running && (left = deadline - System.nanoTime()) > 0) {
                LockSupport.parkNanos(this, left);
            }
        }
    }

    @Override
    public void stop() {
        Thread current;
        synchronized (this) {
            running = false;
            current = thread;
            thread = null;
        }
        if (current == null) {
            return;
        }
        LockSupport.unpark(current);
        try {
            current.join(STOP_WAIT);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (current.isAlive()) {
            log.warn("{}: still busy after {}; leaving it to finish on its own", name, STOP_WAIT);
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }
}
