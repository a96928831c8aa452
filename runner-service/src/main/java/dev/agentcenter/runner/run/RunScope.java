package dev.agentcenter.runner.run;

import dev.agentcenter.model.RunEventTypes;
import dev.agentcenter.model.RunStatus;
import dev.agentcenter.runner.execution.SecretRedactor;
import dev.agentcenter.runner.execution.ShellCommand;
import dev.agentcenter.runner.metrics.RunnerMetrics;
import dev.agentcenter.support.ledger.LeasedRun;
import dev.agentcenter.support.ledger.RunEventWriter.Draft;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.ObjectMapper;

/**
 * What the steps of one run share: its context, its journal and fenced row writes, its redactor (which grows as
 * secrets become known), and its stop signals (a cancel, a lost lease, the output limit, the wall-time limit) with
 * the process that is running now, so that any of them stops it.
 *
 * <p>Of a cancel, the output limit and the wall-time limit, the first one decides how the run ends ({@link Stop}):
 * a cancel that arrives while the wall-time limit stops the run is ignored, and the run fails with {@code
 * time_limit_exceeded}; a wall-time limit that passes while a cancel stops the run is ignored, and the run ends
 * cancelled. So the outcome does not depend on which step happens to notice first, and there is only ever one
 * terminal write. A lost lease is apart: the run is no longer ours, and nothing more is written for it.
 */
final class RunScope {

    private static final Logger log = LoggerFactory.getLogger(RunScope.class);

    private final RunContext context;
    private final ExecutionProperties properties;
    private final ObjectMapper json;
    private final RunJournal journal;
    private final LeasedRun leased;
    private final RunnerMetrics metrics;
    /** When this runner accepted the run, for the dispatch→start and duration metrics. */
    private final long acceptedAt = System.nanoTime();

    private volatile SecretRedactor redactor;
    /** Where the run's processes start: open from after the workspace is prepared until the run ends. */
    private volatile dev.agentcenter.runner.sandbox.Sandbox.Session session;

    private volatile String token;

    /** How the run ends when it is asked to stop; the first signal wins, later ones change nothing. */
    enum Stop {
        /** A cancel (via the API, or the runner shutting down): the run ends cancelled. */
        CANCEL,
        /** The output passed RUNNER_MAX_OUTPUT_BYTES: the run fails with output_limit_exceeded. */
        OUTPUT_LIMIT,
        /** The run passed RUNNER_MAX_RUN_SECONDS: the run fails with time_limit_exceeded. */
        TIME_LIMIT,
        /** The run is writing its end: a signal now has nothing left to stop. */
        ENDED
    }

    private final AtomicReference<Stop> firstStop = new AtomicReference<>();
    private volatile String cancelReason;
    private volatile ShellCommand.Running current;
    private volatile boolean lost;
    /** The run's output passed RUNNER_MAX_OUTPUT_BYTES: its processes are being stopped, the run fails. */
    private volatile boolean outputLimited;
    /** A budget stopped the agent: its process is being stopped, the agent step ends with budget_exceeded. */
    private volatile boolean budgetStopped;
    /** Completed by a cancel or a lost lease: stops the delivery, cancelling a GitHub call in flight. */
    private final CompletableFuture<Void> stopped = new CompletableFuture<>();

    RunScope(
            RunContext context,
            ExecutionProperties properties,
            DataSource dataSource,
            ObjectMapper json,
            SecretRedactor redactor,
            RunnerMetrics metrics) {
        this.metrics = metrics;
        this.context = context;
        this.properties = properties;
        this.json = json;
        this.redactor = redactor;
        this.leased = new LeasedRun(context.runId(), context.leaseToken());
        this.journal = new RunJournal(
                context.runId(),
                context.leaseToken(),
                dataSource,
                properties.outputBufferBytes(),
                properties.maxOutputBytes(),
                this::onLeaseLost,
                this::onOutputLimit);
    }

    RunnerMetrics metrics() {
        return metrics;
    }

    /** Time since this runner accepted the run. */
    java.time.Duration sinceAccepted() {
        return java.time.Duration.ofNanos(System.nanoTime() - acceptedAt);
    }

    dev.agentcenter.runner.sandbox.Sandbox.Session session() {
        return session;
    }

    void session(dev.agentcenter.runner.sandbox.Sandbox.Session session) {
        this.session = session;
    }

    RunContext context() {
        return context;
    }

    UUID runId() {
        return context.runId();
    }

    ExecutionProperties properties() {
        return properties;
    }

    ObjectMapper json() {
        return json;
    }

    RunJournal journal() {
        return journal;
    }

    LeasedRun leased() {
        return leased;
    }

    SecretRedactor redactor() {
        return redactor;
    }

    /** The redactor from now on (it only ever grows: more secrets to hide). */
    void redactor(SecretRedactor redactor) {
        this.redactor = redactor;
    }

    /** The repository token, once resolved ({@code null} without one). */
    String token() {
        return token;
    }

    void token(String token) {
        this.token = token;
    }

    /** Asks the run to stop: the current process group gets TERM, then KILL after the grace period. */
    void cancel(String reason) {
        if (firstStop.get() == null) {
            cancelReason = reason;
            if (firstStop.compareAndSet(null, Stop.CANCEL)) {
                stopEverything();
                return;
            }
        }
        Stop first = firstStop.get();
        if (first != Stop.CANCEL) {
            log.info("Run {}: a cancel came after {} and changes nothing", context.runId(), first);
        }
    }

    boolean cancelRequested() {
        return firstStop.get() == Stop.CANCEL;
    }

    /** The run passed its wall-time limit first: it is being stopped and fails with {@code time_limit_exceeded}. */
    boolean timeLimited() {
        return firstStop.get() == Stop.TIME_LIMIT;
    }

    /**
     * The run has reached its end (its final status is being written): a cancel or a limit from now on is ignored, and
     * a wall-time limit that had not passed yet is not counted as hit.
     */
    void ending() {
        firstStop.compareAndSet(null, Stop.ENDED);
    }

    String cancelMessage() {
        return cancelReason == null ? "Run cancelled" : cancelReason;
    }

    boolean lost() {
        return lost;
    }

    boolean outputLimited() {
        return outputLimited;
    }

    /** A cancel, the wall-time limit or a lost lease: start nothing new. */
    boolean stopping() {
        Stop stop = firstStop.get();
        return stop == Stop.CANCEL || stop == Stop.TIME_LIMIT || lost;
    }

    CompletableFuture<Void> stopped() {
        return stopped;
    }

    void onLeaseLost() {
        if (!lost) {
            lost = true;
            log.warn("Run {} was taken away from this runner; stopping it", context.runId());
            journal.leaseLost();
            stopEverything();
        }
    }

    /** Called once, from an output reader, when the run's output passes RUNNER_MAX_OUTPUT_BYTES. */
    private void onOutputLimit(long maxOutputBytes) {
        if (!outputLimited) {
            // Set whatever came first: the journal keeps dropping output past the limit, and the end says how much.
            outputLimited = true;
            if (!firstStop.compareAndSet(null, Stop.OUTPUT_LIMIT)) {
                return;
            }
            metrics.sandboxLimitHit("output");
            log.warn(
                    "Run {} printed more than {} bytes (RUNNER_MAX_OUTPUT_BYTES); stopping it",
                    context.runId(),
                    maxOutputBytes);
            stopEverything();
        }
    }

    /**
     * Called once, from the runner's timer, when the run has been going for RUNNER_MAX_RUN_SECONDS: stops the process
     * running now (TERM, then KILL after the cancel grace) and the delivery; a step between processes (a clone, a
     * wait) starts nothing more.
     */
    void onTimeLimit() {
        if (!firstStop.compareAndSet(null, Stop.TIME_LIMIT)) {
            return;
        }
        metrics.sandboxLimitHit("time");
        log.warn(
                "Run {} went past its wall-time limit of {} (RUNNER_MAX_RUN_SECONDS); stopping it",
                context.runId(),
                RunTimeLimits.describe(properties.maxRunDuration()));
        stopEverything();
    }

    /** Starts a process, makes it the one a stop signal stops, and waits for it. */
    ShellCommand.Outcome supervise(ProcessStart start) throws IOException, InterruptedException {
        try {
            current = start.start();
            if (stopping() || budgetStopped) {
                stopCurrentCommand();
            }
            return current.await();
        } finally {
            current = null;
        }
    }

    /** Starts the process {@link #supervise} waits for. */
    @FunctionalInterface
    interface ProcessStart {
        ShellCommand.Running start() throws IOException;
    }

    /**
     * A run that went past a resource limit of its sandbox (memory, processes, disk) has had everything it ran killed;
     * it fails with the limit's code ({@code memory_limit_exceeded}, …).
     */
    void requireWithinSandboxLimits() {
        if (session != null) {
            session.limitBreach().ifPresent(breach -> {
                metrics.sandboxLimitHit(breach.code().replace("_limit_exceeded", ""));
                throw new RunFailure(breach.code(), breach.message());
            });
        }
    }

    /** Fails the run once a limit (output, wall time) stopped it first; a cancel that came first is no failure. */
    void requireWithinRunLimits() {
        Stop stop = firstStop.get();
        if (stop == Stop.TIME_LIMIT) {
            throw timeLimitFailure();
        }
        if (stop == Stop.OUTPUT_LIMIT) {
            throw new RunFailure(
                    "output_limit_exceeded",
                    "The run printed more than " + properties.maxOutputBytes() + " bytes of output"
                            + " (RUNNER_MAX_OUTPUT_BYTES), so it was stopped. What its processes printed while they"
                            + " were stopping is kept up to 1 MiB more; the rest was counted and not stored.");
        }
    }

    /**
     * What a run fails with once the wall-time limit stopped it first: whatever its stopped processes or steps failed
     * with afterwards (a killed command, an interrupted clone) is a consequence, not the cause.
     */
    RunFailure failureOf(RunFailure failure) {
        return timeLimited() ? timeLimitFailure() : failure;
    }

    private RunFailure timeLimitFailure() {
        return new RunFailure(
                "time_limit_exceeded",
                "The run went past its wall-time limit of " + RunTimeLimits.describe(properties.maxRunDuration())
                        + " (RUNNER_MAX_RUN_SECONDS), counted from when the runner accepted it, so it was stopped."
                        + " What it changed in the workspace is kept and shown in its diff; delivery steps it had"
                        + " not reached were skipped. Split the work into follow-up runs, or raise the limit.");
    }

    /** A budget is spent: stops the process running now (the agent), which then ends as budget_exceeded. */
    void stopForBudget() {
        budgetStopped = true;
        stopCurrentCommand();
    }

    /** The process running now gets TERM, then KILL; a clone, the delivery and the steps between processes stop. */
    private void stopEverything() {
        stopCurrentCommand();
        stopped.complete(null);
    }

    private void stopCurrentCommand() {
        ShellCommand.Running running = current;
        if (running != null) {
            Thread.ofVirtual().start(() -> running.cancel(properties.cancelGrace()));
        }
    }

    /** Moves the run to an active status, with its {@code run.status_changed}; false when it is not ours any more. */
    boolean transition(RunStatus status, String message) {
        return journal.commit(
                List.of(draft(RunEventTypes.RUN_STATUS_CHANGED, "info", message, Map.of("status", status.wire()))),
                connection -> leased.moveTo(connection, status));
    }

    /** Where a process's output lines go: the journal, redacted, with {@code base} in every payload. */
    ShellCommand.OutputSink output(Map<String, Object> base) {
        return new OutputLines(journal, redactor, json, base);
    }

    Draft draft(String type, String level, String message, Map<String, Object> payload) {
        return new Draft(type, level, message, json.writeValueAsString(payload));
    }
}
