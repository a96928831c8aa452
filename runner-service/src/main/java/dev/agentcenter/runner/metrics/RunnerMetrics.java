package dev.agentcenter.runner.metrics;

import dev.agentcenter.runner.execution.SecretRedactor;
import dev.agentcenter.support.ledger.RunEventWriter;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import org.springframework.stereotype.Component;

/**
 * The runner's meters. Names (Prometheus adds {@code _total}, {@code _seconds_bucket}, …): {@code
 * agentcenter.run.duration{status}}, {@code agentcenter.run.dispatch.to.start}, {@code agentcenter.budget.stops
 * {budget}}, {@code agentcenter.sandbox.limit.hits{limit}}, {@code agentcenter.redaction.hits}, {@code
 * agentcenter.run.events.written}.
 */
@Component
public class RunnerMetrics {

    /** The meter a sandbox limit hit counts on; {@code limit} is memory, processes, cpu, time, disk or output. */
    public static final String SANDBOX_LIMIT_HITS = "agentcenter.sandbox.limit.hits";

    private final MeterRegistry registry;

    public RunnerMetrics(MeterRegistry registry) {
        this.registry = registry;
        FunctionCounter.builder("agentcenter.redaction.hits", SecretRedactor.class, c -> SecretRedactor.hits())
                .description("Secrets masked in run output, events and diffs")
                .register(registry);
        FunctionCounter.builder(
                        "agentcenter.run.events.written", RunEventWriter.class, c -> RunEventWriter.eventsWritten())
                .description("Run events inserted by this process")
                .register(registry);
    }

    /** A run ended with {@code status} (completed, failed, cancelled) after running for {@code duration}. */
    public void runFinished(String status, Duration duration) {
        Timer.builder("agentcenter.run.duration")
                .tag("status", status)
                .description("Run durations, from the runner accepting the run to its end")
                .publishPercentileHistogram()
                .register(registry)
                .record(duration);
    }

    /** The time from the worker's dispatch (the runner accepting it) to the run's workspace being ready. */
    public void dispatchToStart(Duration duration) {
        Timer.builder("agentcenter.run.dispatch.to.start")
                .description("From dispatch to the run starting in its workspace")
                .publishPercentileHistogram()
                .register(registry)
                .record(duration);
    }

    /** A run was stopped by a budget ({@code run_cost}, {@code run_tokens}, {@code workspace_cost}, …). */
    public void budgetStop(String budget) {
        Counter.builder("agentcenter.budget.stops")
                .tag("budget", budget)
                .description("Runs stopped because a budget was reached")
                .register(registry)
                .increment();
    }

    /**
     * A run hit a sandbox limit. For the sandbox to call where it ends a run with {@code <limit>_limit_exceeded}.
     *
     * @param limit memory, processes, cpu, time, disk or output
     */
    public void sandboxLimitHit(String limit) {
        Counter.builder(SANDBOX_LIMIT_HITS)
                .tag("limit", limit)
                .description("Runs that reached a sandbox limit")
                .register(registry)
                .increment();
    }
}
