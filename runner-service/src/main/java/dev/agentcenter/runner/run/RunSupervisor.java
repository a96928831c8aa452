package dev.agentcenter.runner.run;

import dev.agentcenter.runner.RunnerProperties;
import dev.agentcenter.runner.agent.Agents;
import dev.agentcenter.runner.delivery.GitDelivery;
import dev.agentcenter.runner.execution.GitWorkspace;
import dev.agentcenter.runner.execution.LoginEnvironment;
import dev.agentcenter.runner.metrics.RunnerMetrics;
import dev.agentcenter.runner.sandbox.Sandbox;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import tools.jackson.databind.ObjectMapper;

/**
 * The runs this runner executes: accepts them up to its capacity, cancels them on request, and on shutdown stops
 * accepting, lets them finish within a bound, then cancels what is left.
 */
@Component
class RunSupervisor implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(RunSupervisor.class);

    /** What happened to an execute request. */
    enum Acceptance {
        STARTED,
        ALREADY_ACTIVE,
        BUSY,
        DRAINING,
        NOT_DISPATCHABLE
    }

    private final Map<UUID, RunExecution> active = new ConcurrentHashMap<>();
    private final RunContextLoader loader;
    private final RunnerProperties runner;
    private final ExecutionProperties properties;
    private final DataSource dataSource;
    private final ObjectMapper json;
    private final RepositoryTokens tokens;
    private final Agents agents;
    private final JdbcClient db;
    private final GitDelivery delivery;
    private final LoginEnvironment environment;
    private final RunnerSecrets secrets;
    private final Sandbox sandbox;
    private volatile boolean accepting;

    private final RunBudgets budgets;
    private final RunnerMetrics metrics;
    private final RunTimeLimits timeLimits;

    RunSupervisor(
            RunContextLoader loader,
            RunnerProperties runner,
            ExecutionProperties properties,
            DataSource dataSource,
            ObjectMapper json,
            RepositoryTokens tokens,
            Agents agents,
            JdbcClient db,
            GitDelivery delivery,
            LoginEnvironment environment,
            RunnerSecrets secrets,
            RunBudgets budgets,
            RunnerMetrics metrics,
            Sandbox sandbox,
            RunTimeLimits timeLimits) {
        this.sandbox = sandbox;
        this.timeLimits = timeLimits;
        this.budgets = budgets;
        this.metrics = metrics;
        this.loader = loader;
        this.runner = runner;
        this.properties = properties;
        this.dataSource = dataSource;
        this.json = json;
        this.tokens = tokens;
        this.agents = agents;
        this.db = db;
        this.delivery = delivery;
        this.environment = environment;
        this.secrets = secrets;
        // Resolved now, from the runner's own PATH, before any run's command could put another git on a PATH.
        log.info(
                "Runs use git at {}; {} runner secret values are masked in every run's output",
                GitWorkspace.gitExecutable(),
                secrets.count());
    }

    /** Starts the run unless it is already running here (same attempt), we are full, or it is not ours to run. */
    synchronized Acceptance accept(UUID runId, int attempt, UUID leaseToken) {
        RunExecution existing = active.get(runId);
        if (existing != null) {
            // Same lease: a retried dispatch. Another lease: the run was handed back and claimed again while the
            // old execution still winds down (its fenced writes fail); the worker will retry shortly.
            return existing.leaseToken().equals(leaseToken) ? Acceptance.ALREADY_ACTIVE : Acceptance.BUSY;
        }
        if (!accepting) {
            return Acceptance.DRAINING;
        }
        if (active.size() >= runner.capacity()) {
            return Acceptance.BUSY;
        }
        var context = loader.load(runId, attempt, leaseToken);
        if (context.isEmpty()) {
            return Acceptance.NOT_DISPATCHABLE;
        }
        RunExecution execution = new RunExecution(
                context.get(),
                runner,
                properties,
                dataSource,
                json,
                tokens,
                agents,
                delivery,
                environment,
                secrets,
                budgets,
                metrics,
                sandbox,
                timeLimits);
        active.put(runId, execution);
        Thread.ofVirtual().name("run-" + runId).start(() -> {
            try {
                RunExecution.Outcome outcome = execution.run();
                log.info("Run {} (attempt {}) ended {}", runId, attempt, outcome);
            } finally {
                active.remove(runId);
                announceFreeCapacity();
            }
        });
        return Acceptance.STARTED;
    }

    /** Cancels a run executing here; false when it is not here. */
    boolean cancel(UUID runId, String reason) {
        RunExecution execution = active.get(runId);
        if (execution == null) {
            return false;
        }
        execution.cancel(reason);
        return true;
    }

    int activeCount() {
        return active.size();
    }

    java.util.Set<UUID> activeRuns() {
        return java.util.Set.copyOf(active.keySet());
    }

    boolean accepting() {
        return accepting;
    }

    /** Workers waiting for free capacity hear about it at once instead of at their next poll. */
    private void announceFreeCapacity() {
        try {
            db.sql("SELECT pg_notify('runner_capacity', :name)")
                    .param("name", runner.name())
                    .query((rs, row) -> 0)
                    .list();
        } catch (RuntimeException e) {
            log.debug("Could not announce free capacity", e);
        }
    }

    @Override
    public void start() {
        accepting = true;
    }

    @Override
    public void stop() {
        accepting = false;
        Instant deadline = Instant.now().plus(properties.drainTimeout());
        log.info("Runner stopping: waiting up to {} for {} run(s)", properties.drainTimeout(), active.size());
        while (!active.isEmpty() && Instant.now().isBefore(deadline)) {
            pause(Duration.ofMillis(100));
        }
        active.values().forEach(execution -> execution.cancel("Cancelled: the runner shut down"));
        Instant killDeadline = Instant.now().plus(properties.cancelGrace()).plusSeconds(10);
        while (!active.isEmpty() && Instant.now().isBefore(killDeadline)) {
            pause(Duration.ofMillis(100));
        }
    }

    @Override
    public boolean isRunning() {
        return accepting;
    }

    /** Stops before the web server and the database pool (which use the default phase). */
    @Override
    public int getPhase() {
        return Integer.MAX_VALUE - 100;
    }

    private static void pause(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
