package dev.agentcenter.runner.run;

import dev.agentcenter.support.ledger.LeasedRun;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.UUID;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a run's lease alive while it executes, on a virtual thread of its own: renews it every third of it and
 * reports when the run turned out to be someone else's (the renewal matched no row).
 *
 * <p>A renewal that fails (Postgres unreachable) is tried again every second rather than at the next third, so a
 * lease that was not renewed during an outage is renewed as soon as the database is back, well within the time the
 * sweeper allows after an outage (see LeaseSweeper).
 */
final class LeaseKeeper {

    private static final Logger log = LoggerFactory.getLogger(LeaseKeeper.class);

    private final LeasedRun leased;
    private final UUID runId;
    private final DataSource dataSource;
    private final Duration every;
    private final int leaseSeconds;
    private final Runnable onLost;
    private Thread thread;

    private LeaseKeeper(
            LeasedRun leased, UUID runId, DataSource dataSource, Duration every, int leaseSeconds, Runnable onLost) {
        this.leased = leased;
        this.runId = runId;
        this.dataSource = dataSource;
        this.every = every;
        this.leaseSeconds = leaseSeconds;
        this.onLost = onLost;
    }

    /** Starts renewing; {@code onLost} runs once if the lease turns out to be lost. */
    static LeaseKeeper start(
            LeasedRun leased, UUID runId, DataSource dataSource, Duration every, int leaseSeconds, Runnable onLost) {
        LeaseKeeper keeper = new LeaseKeeper(leased, runId, dataSource, every, leaseSeconds, onLost);
        keeper.thread = Thread.ofVirtual().name("lease-" + runId).start(keeper::renewLoop);
        return keeper;
    }

    /** Stops renewing (the run ended). */
    void stop() {
        thread.interrupt();
    }

    private void renewLoop() {
        Duration wait = every;
        while (!Thread.currentThread().isInterrupted()) {
            try {
                Thread.sleep(wait);
            } catch (InterruptedException e) {
                return;
            }
            try (Connection connection = dataSource.getConnection()) {
                if (!leased.renewLease(connection, leaseSeconds)) {
                    onLost.run();
                    return;
                }
                if (wait != every) {
                    log.info("Renewed the lease of run {} again", runId);
                }
                wait = every;
            } catch (SQLException e) {
                // Postgres unreachable: try again soon; the sweeper does not count time the database was down.
                if (wait == every) {
                    log.warn("Could not renew the lease of run {}: {}", runId, e.getMessage());
                }
                wait = Duration.ofSeconds(1).compareTo(every) < 0 ? Duration.ofSeconds(1) : every;
            }
        }
    }
}
