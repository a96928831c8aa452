package dev.agentcenter.runner.run;

import dev.agentcenter.support.listen.PostgresListener;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.jdbc.autoconfigure.JdbcConnectionDetails;
import org.springframework.context.SmartLifecycle;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Hears cancellations the moment the API commits them ({@code LISTEN run_cancel}, on the shared
 * {@link PostgresListener}'s dedicated connection) and passes them to the runs executing here. A NOTIFY can be
 * missed while the connection is down, so after every reconnect and every few seconds it also re-reads which of
 * its runs have a cancel request. A payload that is not a run id is logged and skipped.
 */
@Component
class CancelListener implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(CancelListener.class);
    private static final Duration RECHECK = Duration.ofSeconds(3);
    private static final String CHANNEL = "run_cancel";

    private final JdbcConnectionDetails connection;
    private final JdbcClient db;
    private final RunSupervisor supervisor;
    private volatile PostgresListener.Running listener;

    CancelListener(JdbcConnectionDetails connection, JdbcClient db, RunSupervisor supervisor) {
        this.connection = connection;
        this.db = db;
        this.supervisor = supervisor;
    }

    @Override
    public void start() {
        listener = PostgresListener.start(
                "cancel-listener",
                PostgresListener.direct(
                        connection.getJdbcUrl(),
                        connection.getUsername(),
                        connection.getPassword(),
                        "agent-center-runner-listener"),
                List.of(CHANNEL),
                batch -> PostgresListener.uuids(batch, CHANNEL).forEach(this::cancel),
                this::recheck,
                RECHECK);
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
        PostgresListener.Running running = listener;
        if (running != null) {
            running.close();
            listener = null;
        }
    }

    @Override
    public boolean isRunning() {
        return listener != null;
    }
}
