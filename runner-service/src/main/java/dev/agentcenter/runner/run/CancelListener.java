package dev.agentcenter.runner.run;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.UUID;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Hears cancellations the moment the API commits them ({@code LISTEN run_cancel}) and passes them to the runs
 * executing here. A NOTIFY can be missed while the connection is down, so every few seconds it also re-reads which
 * of its runs have a cancel request.
 */
@Component
class CancelListener implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(CancelListener.class);
    private static final Duration RECHECK = Duration.ofSeconds(3);

    private final DataSource dataSource;
    private final JdbcClient db;
    private final RunSupervisor supervisor;
    private volatile Thread thread;

    CancelListener(DataSource dataSource, JdbcClient db, RunSupervisor supervisor) {
        this.dataSource = dataSource;
        this.db = db;
        this.supervisor = supervisor;
    }

    @Override
    public void start() {
        thread = Thread.ofPlatform().daemon().name("cancel-listener").start(this::loop);
    }

    private void loop() {
        Duration backoff = Duration.ofMillis(200);
        while (!Thread.currentThread().isInterrupted()) {
            try (Connection connection = dataSource.getConnection()) {
                try (Statement statement = connection.createStatement()) {
                    statement.execute("LISTEN run_cancel");
                }
                backoff = Duration.ofMillis(200);
                PGConnection pg = connection.unwrap(PGConnection.class);
                Instant nextRecheck = Instant.now();
                while (!Thread.currentThread().isInterrupted()) {
                    if (!Instant.now().isBefore(nextRecheck)) {
                        recheck();
                        nextRecheck = Instant.now().plus(RECHECK);
                    }
                    PGNotification[] notifications = pg.getNotifications((int) RECHECK.toMillis());
                    if (notifications != null) {
                        for (PGNotification notification : notifications) {
                            cancel(UUID.fromString(notification.getParameter()));
                        }
                    }
                }
            } catch (SQLException | RuntimeException e) {
                if (Thread.currentThread().isInterrupted()) {
                    return;
                }
                log.warn("Cancel listener lost its connection ({}); reconnecting in {}", e.getMessage(), backoff);
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException interrupted) {
                    return;
                }
                backoff = backoff.multipliedBy(2).compareTo(Duration.ofSeconds(5)) > 0
                        ? Duration.ofSeconds(5)
                        : backoff.multipliedBy(2);
            }
        }
    }

    private void recheck() {
        Set<UUID> here = supervisor.activeRuns();
        if (here.isEmpty()) {
            return;
        }
        db.sql("SELECT id FROM runs WHERE id = ANY(:ids) AND cancel_requested_at IS NOT NULL")
                .param("ids", here.toArray(UUID[]::new))
                .query(UUID.class)
                .list()
                .forEach(this::cancel);
    }

    private void cancel(UUID runId) {
        if (supervisor.cancel(runId, "Cancelled via API")) {
            log.info("Cancelling run {}", runId);
        }
    }

    @Override
    public void stop() {
        Thread running = thread;
        if (running != null) {
            running.interrupt();
        }
    }

    @Override
    public boolean isRunning() {
        return thread != null && thread.isAlive();
    }
}
