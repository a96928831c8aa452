package dev.agentcenter.runner.run;

import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;

/**
 * The wall-time limit of runs ({@code RUNNER_MAX_RUN_SECONDS}): one timer thread for the whole runner and one
 * scheduled task per run, removed from the queue as soon as the run disarms it, so nothing is left behind per run. The
 * delay is measured on the monotonic clock ({@code System.nanoTime()}, as the executor does): a change of the wall
 * clock neither shortens nor stretches a run's limit.
 */
@Component
class RunTimeLimits implements DisposableBean {

    private final Duration limit;
    private final ScheduledThreadPoolExecutor timer;

    RunTimeLimits(ExecutionProperties properties) {
        this.limit = properties.maxRunDuration();
        this.timer = new ScheduledThreadPoolExecutor(
                1, Thread.ofPlatform().name("run-time-limit").daemon().factory());
        timer.setRemoveOnCancelPolicy(true);
        timer.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    }

    /** A run's armed limit. */
    interface Armed {
        /** Disarms the limit; idempotent, and harmless once it has fired. */
        void disarm();
    }

    /** The limit every run gets. */
    Duration limit() {
        return limit;
    }

    /**
     * Calls {@code onPassed} once the run is {@link #limit()} old, unless it is disarmed first. It runs on a virtual
     * thread of its own, so a slow stop of one run never delays the limit of another.
     *
     * @param elapsed how old the run already is (since the runner accepted it)
     */
    Armed arm(Duration elapsed, Runnable onPassed) {
        long delayNanos = Math.max(0, limit.minus(elapsed).toNanos());
        ScheduledFuture<?> scheduled = timer.schedule(
                () -> Thread.ofVirtual().name("run-time-limit-hit").start(onPassed), delayNanos, TimeUnit.NANOSECONDS);
        return () -> scheduled.cancel(false);
    }

    /** Limits armed and not yet fired or disarmed: one per run in progress here, none once every run has ended. */
    int armed() {
        return timer.getQueue().size();
    }

    /** A limit as people write it: {@code 4h}, {@code 1h 30m}, {@code 5s}. */
    static String describe(Duration limit) {
        StringBuilder text = new StringBuilder();
        append(text, limit.toDaysPart(), "d");
        append(text, limit.toHoursPart(), "h");
        append(text, limit.toMinutesPart(), "m");
        append(text, limit.toSecondsPart(), "s");
        return text.isEmpty() ? limit.toMillis() + "ms" : text.toString();
    }

    private static void append(StringBuilder text, long amount, String unit) {
        if (amount > 0) {
            text.append(text.isEmpty() ? "" : " ").append(amount).append(unit);
        }
    }

    @Override
    public void destroy() {
        timer.shutdownNow();
    }
}
