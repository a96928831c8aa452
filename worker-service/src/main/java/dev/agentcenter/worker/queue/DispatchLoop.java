package dev.agentcenter.worker.queue;

import dev.agentcenter.support.listen.PostgresListener;
import dev.agentcenter.worker.WorkerProperties;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * The worker's queue loop: wait for a wake-up ({@code NOTIFY run_queued} / {@code runner_capacity}, a backoff that
 * ends, or the poll interval), claim runs for runners with free slots, and dispatch each claimed run on its own
 * virtual thread so that one slow runner holds up nobody else.
 *
 * <p>Stopping is graceful: claiming stops at once; a dispatch already sent is given its timeout to finish (the
 * runner may be accepting it right now); a claimed run whose request was not sent yet is handed back to the queue.
 */
final class DispatchLoop implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(DispatchLoop.class);
    static final List<String> CHANNELS = List.of("run_queued", "runner_capacity");
    private static final Duration LOOP_STOP_WAIT = Duration.ofSeconds(15);

    private final RunClaimer claimer;
    /** Brings the queued runs' waiting reasons up to date (the ledger's {@code WaitingReasons}, in a transaction). */
    private final Runnable refreshWaitingReasons;

    private final RunnerClient runners;
    private final DispatchOutcomes outcomes;
    private final Supplier<PostgresListener> listeners;
    private final WorkerProperties properties;
    private final String workerId;
    private final AtomicLong roundsStarted = new AtomicLong();
    private final AtomicLong rounds = new AtomicLong();

    private volatile boolean running;
    private volatile boolean stopping;
    private volatile boolean listening;
    private Thread loopThread;
    // Not cleared on stop: the loop thread may still submit to it while stop() waits for that thread.
    private volatile ExecutorService dispatches;
    /** Told of every run a runner accepted (the queue→dispatch latency meter); nothing by default. */
    private volatile Consumer<ClaimedRun> onAccepted = run -> {};

    DispatchLoop(
            RunClaimer claimer,
            Runnable refreshWaitingReasons,
            RunnerClient runners,
            DispatchOutcomes outcomes,
            Supplier<PostgresListener> listeners,
            WorkerProperties properties,
            String workerId) {
        this.claimer = claimer;
        this.refreshWaitingReasons = refreshWaitingReasons;
        this.runners = runners;
        this.outcomes = outcomes;
        this.listeners = listeners;
        this.properties = properties;
        this.workerId = workerId;
    }

    /** Who is told of every run a runner accepted. */
    void onAccepted(Consumer<ClaimedRun> listener) {
        this.onAccepted = listener;
    }

    @Override
    public synchronized void start() {
        if (running) {
            return;
        }
        running = true;
        if (!properties.runnerTokenConfigured()) {
            // Every dispatch would be refused (runners without a token close their internal routes, others answer
            // 401): leaving runs queued beats failing all of them.
            log.warn("RUNNER_INTERNAL_TOKEN is not set: worker {} will not claim or dispatch runs", workerId);
            return;
        }
        stopping = false;
        dispatches = Executors.newThreadPerTaskExecutor(
                Thread.ofVirtual().name("dispatch-", 0).factory());
        loopThread = Thread.ofPlatform().name("run-claimer-" + workerId).start(this::loop);
        log.info("Worker {} is claiming queued runs", workerId);
    }

    private void loop() {
        try (PostgresListener listener = listeners.get()) {
            boolean failing = false;
            while (!stopping) {
                // LISTEN before reading the table, so a run queued in between is either seen now or notified.
                listener.ensureListening();
                listening = listener.listening();
                boolean more;
                Duration wait = properties.pollInterval();
                roundsStarted.incrementAndGet();
                try {
                    more = claimRound();
                    if (!more) {
                        // What the round left queued says why; not while more runs are being claimed right now.
                        refreshWaitingReasons.run();
                        OptionalLong backoffEnds = claimer.millisUntilNextBackoffEnds();
                        if (backoffEnds.isPresent() && backoffEnds.getAsLong() < wait.toMillis()) {
                            wait = Duration.ofMillis(backoffEnds.getAsLong());
                        }
                    }
                    if (failing) {
                        log.info("Worker {} claims runs again", workerId);
                        failing = false;
                    }
                } catch (RuntimeException e) {
                    more = false;
                    if (!failing) {
                        log.warn("Worker {} could not claim runs; retrying", workerId, e);
                        failing = true;
                    }
                    wait = wait.compareTo(Duration.ofSeconds(1)) < 0 ? Duration.ofSeconds(1) : wait;
                }
                rounds.incrementAndGet();
                if (!more) {
                    listener.await(wait, () -> stopping, null);
                    listening = listener.listening();
                }
            }
        } finally {
            listening = false;
        }
    }

    /**
     * One claim round over the runners with free slots, at most one batch in all.
     *
     * @return true when the batch filled up, so more runs may be waiting right now
     */
    private boolean claimRound() {
        if (!claimer.anyClaimable()) {
            return false;
        }
        int budget = properties.claimBatchSize();
        for (RunnerTarget runner : claimer.runnersWithFreeSlots()) {
            if (stopping || budget == 0) {
                break;
            }
            int wanted = Math.min(budget, runner.freeSlots());
            List<ClaimedRun> claimed = claimer.claim(runner, wanted);
            budget -= claimed.size();
            for (ClaimedRun run : claimed) {
                submit(run);
            }
            if (claimed.size() < wanted && !claimer.anyClaimable()) {
                break;
            }
        }
        return budget == 0;
    }

    private void submit(ClaimedRun run) {
        try {
            dispatches.execute(() -> dispatch(run));
        } catch (RejectedExecutionException e) {
            // Only when stop() gave up waiting for this loop: nobody will send it, so give it back now.
            outcomes.handBack(run);
        }
    }

    private void dispatch(ClaimedRun run) {
        try {
            if (stopping) {
                outcomes.handBack(run);
                return;
            }
            DispatchResult result = runners.dispatch(run);
            switch (result.kind()) {
                case ACCEPTED -> {
                    onAccepted.accept(run);
                    log.debug(
                            "Run {} (attempt {}) dispatched to runner {} {}",
                            run.runId(),
                            run.attempt(),
                            run.runner().name(),
                            result.reason());
                }
                case RETRY -> {
                    log.info("Dispatch of run {} failed: {}", run.runId(), result.reason());
                    outcomes.retryOrFail(run, result.reason());
                }
                case AUTH_REJECTED -> {
                    log.error(
                            "Runner {} refused the worker's token", run.runner().name());
                    outcomes.fail(
                            run,
                            "runner_auth_failed",
                            "Runner " + run.runner().name() + " refused the worker's credentials ("
                                    + result.reason().replaceFirst("^runner \\S+ ", "") + "): RUNNER_INTERNAL_TOKEN"
                                    + " differs between the worker and the runner");
                }
                case NOT_DISPATCHABLE ->
                    log.warn("Run {} not dispatched, leaving it alone: {}", run.runId(), result.reason());
            }
        } catch (RuntimeException e) {
            // The run stays provisioning under our lease; when the lease expires the sweeper re-queues it.
            log.warn(
                    "Could not record the dispatch outcome of run {}; the lease sweeper will recover it",
                    run.runId(),
                    e);
        }
    }

    @Override
    public void stop() {
        Thread loop;
        ExecutorService inFlight;
        synchronized (this) {
            if (!running) {
                return;
            }
            running = false;
            stopping = true;
            loop = loopThread;
            inFlight = dispatches;
            loopThread = null;
        }
        if (loop == null) {
            return;
        }
        try {
            loop.join(LOOP_STOP_WAIT);
            inFlight.shutdown();
            // A request already sent ends within the dispatch timeout; give it that long, plus room to record it.
            long wait = properties.dispatchTimeout().plusSeconds(5).toMillis();
            if (!inFlight.awaitTermination(wait, TimeUnit.MILLISECONDS)) {
                log.warn("Dispatches still running after {} ms; the lease sweeper will recover their runs", wait);
                inFlight.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            inFlight.shutdownNow();
        }
        log.info("Worker {} stopped claiming", workerId);
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** Whether stop() has begun (for tests that act between "stopping" and "stopped"). */
    boolean stopping() {
        return stopping;
    }

    /** Claim rounds begun: a round numbered above this count starts later than the call. */
    long roundsStarted() {
        return roundsStarted.get();
    }

    /** Completed claim rounds, so a test can tell the loop is up and idle. */
    long rounds() {
        return rounds.get();
    }

    /** Whether the wake-up connection is currently listening. */
    boolean listening() {
        return listening;
    }
}
