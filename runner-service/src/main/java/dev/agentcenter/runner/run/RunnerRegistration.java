package dev.agentcenter.runner.run;

import dev.agentcenter.runner.RunnerProperties;
import dev.agentcenter.runner.sandbox.Sandbox;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Registers this runner in {@code runners} and heartbeats every few seconds with its status and load, also while it
 * drains on shutdown (a runner that goes quiet while finishing its runs would look dead). Workers only dispatch to
 * runners whose heartbeat is fresh.
 */
@Component
class RunnerRegistration implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(RunnerRegistration.class);
    static final Duration HEARTBEAT = Duration.ofSeconds(5);
    private static final Duration OFFLINE_WRITE_LIMIT = Duration.ofSeconds(3);

    private final JdbcClient db;
    private final RunnerProperties runner;
    private final RunSupervisor supervisor;
    private final Sandbox sandbox;
    private volatile Thread heartbeat;
    private volatile UUID id;

    RunnerRegistration(JdbcClient db, RunnerProperties runner, RunSupervisor supervisor, Sandbox sandbox) {
        this.sandbox = sandbox;
        this.db = db;
        this.runner = runner;
        this.supervisor = supervisor;
    }

    UUID id() {
        return id;
    }

    @Override
    public void start() {
        id = beat("online");
        // Runs this runner held before it restarted cannot be resumed: let the sweeper take them now, not in 30 s.
        int orphaned = db.sql("""
                        UPDATE runs SET lease_expires_at = now()
                         WHERE runner_id = :id AND status IN ('provisioning', 'cloning', 'running')""").param("id", id).update();
        if (orphaned > 0) {
            log.warn("Released {} run(s) this runner held before it restarted", orphaned);
        }
        log.info(
                "Registered runner {} ({}) at {} with capacity {}, isolation {}",
                runner.name(),
                id,
                runner.publicUrl(),
                runner.capacity(),
                sandbox.isolation().wire());
        heartbeat = Thread.ofVirtual().name("runner-heartbeat").start(this::heartbeatLoop);
    }

    private void heartbeatLoop() {
        while (!Thread.currentThread().isInterrupted()) {
            try {
                Thread.sleep(HEARTBEAT);
            } catch (InterruptedException e) {
                return;
            }
            try {
                beat(supervisor.accepting() ? "online" : "draining");
            } catch (RuntimeException e) {
                log.warn("Heartbeat failed: {}", e.getMessage());
            }
        }
    }

    private UUID beat(String status) {
        return db.sql("""
                        INSERT INTO runners (name, base_url, status, capacity, active_runs, version, isolation,
                                             last_heartbeat_at)
                        VALUES (:name, :baseUrl, :status, :capacity, :active, :version, :isolation, now())
                        ON CONFLICT (name) DO UPDATE SET base_url = EXCLUDED.base_url, status = EXCLUDED.status,
                            capacity = EXCLUDED.capacity, active_runs = EXCLUDED.active_runs,
                            version = EXCLUDED.version, isolation = EXCLUDED.isolation,
                            last_heartbeat_at = now(), updated_at = now()
                        RETURNING id""")
                .param("name", runner.name())
                .param("baseUrl", runner.publicUrl().toString().replaceAll("/+$", ""))
                .param("status", status)
                .param("capacity", runner.capacity())
                .param("active", supervisor.activeCount())
                .param("version", version())
                .param("isolation", sandbox.isolation().wire())
                .query(UUID.class)
                .single();
    }

    @Override
    public void stop() {
        Thread thread = heartbeat;
        if (thread != null) {
            thread.interrupt();
        }
        // Best effort and bounded: with the database already gone, waiting for a pool connection would hold the
        // shutdown for the pool's whole timeout. Workers stop choosing a silent runner after its heartbeat ages.
        try {
            CompletableFuture.runAsync(
                            () -> db.sql("UPDATE runners SET status = 'offline', active_runs = 0, updated_at = now()"
                                            + " WHERE name = :name")
                                    .param("name", runner.name())
                                    .update(),
                            runnable -> Thread.ofVirtual().start(runnable))
                    .get(OFFLINE_WRITE_LIMIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            log.warn("Could not mark runner offline within {}", OFFLINE_WRITE_LIMIT);
        } catch (ExecutionException e) {
            log.warn("Could not mark runner offline: {}", e.getCause().getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public boolean isRunning() {
        return heartbeat != null && heartbeat.isAlive();
    }

    /** Starts after the supervisor accepts runs and stops after it has drained. */
    @Override
    public int getPhase() {
        return Integer.MAX_VALUE - 200;
    }

    private static String version() {
        String version = RunnerRegistration.class.getPackage().getImplementationVersion();
        return version == null ? "dev" : version;
    }
}
