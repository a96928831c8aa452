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
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.ObjectMapper;

/**
 * What the steps of one run share: its context, its journal and fenced row writes, its redactor (which grows as
 * secrets become known), and its stop signals (a cancel, a lost lease, the output limit) with the process that
 * is running now, so that any of them stops it.
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

    private volatile boolean cancelRequested;
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
        if (cancelRequested) {
            return;
        }
        cancelReason = reason;
        cancelRequested = true;
        stopCurrentCommand();
        stopped.complete(null);
    }

    boolean cancelRequested() {
        return cancelRequested;
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

    /** A cancel or a lost lease: start nothing new. */
    boolean stopping() {
        return cancelRequested || lost;
    }

    CompletableFuture<Void> stopped() {
        return stopped;
    }

    void onLeaseLost() {
        if (!lost) {
            lost = true;
            log.warn("Run {} was taken away from this runner; stopping it", context.runId());
            journal.leaseLost();
            stopCurrentCommand();
            stopped.complete(null);
        }
    }

    /** Called once, from an output reader, when the run's output passes RUNNER_MAX_OUTPUT_BYTES. */
    private void onOutputLimit(long maxOutputBytes) {
        if (!outputLimited) {
            outputLimited = true;
            metrics.sandboxLimitHit("output");
            log.warn(
                    "Run {} printed more than {} bytes (RUNNER_MAX_OUTPUT_BYTES); stopping it",
                    context.runId(),
                    maxOutputBytes);
            stopCurrentCommand();
            stopped.complete(null);
        }
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

    void requireOutputWithinLimit() {
        if (outputLimited) {
            throw new RunFailure(
                    "output_limit_exceeded",
                    "The run printed more than " + properties.maxOutputBytes() + " bytes of output"
                            + " (RUNNER_MAX_OUTPUT_BYTES), so it was stopped. What its processes printed while they"
                            + " were stopping is kept up to 1 MiB more; the rest was counted and not stored.");
        }
    }

    /** A budget is spent: stops the process running now (the agent), which then ends as budget_exceeded. */
    void stopForBudget() {
        budgetStopped = true;
        stopCurrentCommand();
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
