package dev.agentcenter.api.runner;

import dev.agentcenter.api.web.Rows;
import dev.agentcenter.model.Runner;
import dev.agentcenter.model.RunnerStatus;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * Registered runners, as the runners themselves keep them. The API only sets or clears an operator's drain
 * ({@code drain_requested_at}), a column the runners' heartbeats leave alone.
 */
@Repository
class RunnerStore {

    /**
     * A runner that has not sent a heartbeat for this long is shown offline, whatever it last said: a runner that
     * died cannot say so itself.
     */
    static final Duration OFFLINE_AFTER = Duration.ofSeconds(30);

    private static final String COLUMNS =
            "id, name, base_url, status, capacity, active_runs, last_heartbeat_at, version, drain_requested_at, isolation";

    private final JdbcClient db;

    RunnerStore(JdbcClient db) {
        this.db = db;
    }

    /** All runners by name, with the status they have at {@code now}. */
    List<Runner> list(Instant now) {
        return db.sql("SELECT " + COLUMNS + " FROM runners ORDER BY name, id")
                .query((rs, row) -> map(rs, now))
                .list();
    }

    /**
     * Drains the runner (or, with {@code drain} false, resumes it) and wakes the workers, so runs waiting for it
     * are re-homed (or claimed for it) now rather than at their next poll. Draining twice keeps the first time.
     */
    Optional<Runner> setDrained(UUID id, boolean drain, Instant now) {
        Optional<Runner> runner = db.sql("UPDATE runners SET drain_requested_at = CASE WHEN :drain"
                        + " THEN COALESCE(drain_requested_at, now()) END, updated_at = now()"
                        + " WHERE id = :id RETURNING " + COLUMNS)
                .param("id", id)
                .param("drain", drain)
                .query((rs, row) -> map(rs, now))
                .optional();
        runner.ifPresent(r -> db.sql("SELECT pg_notify('runner_capacity', :name)")
                .param("name", r.name())
                .query()
                .singleRow());
        return runner;
    }

    private static Runner map(ResultSet rs, Instant now) throws SQLException {
        Instant heartbeat = Rows.instant(rs, "last_heartbeat_at");
        Instant drainRequested = Rows.instant(rs, "drain_requested_at");
        RunnerStatus status;
        if (heartbeat == null || heartbeat.isBefore(now.minus(OFFLINE_AFTER))) {
            status = RunnerStatus.OFFLINE;
        } else if (drainRequested != null && !"offline".equals(rs.getString("status"))) {
            status = RunnerStatus.DRAINING;
        } else {
            status = RunnerStatus.valueOf(rs.getString("status").toUpperCase(Locale.ROOT));
        }
        return new Runner(
                Rows.uuid(rs, "id"),
                rs.getString("name"),
                rs.getString("base_url"),
                status,
                rs.getInt("capacity"),
                rs.getInt("active_runs"),
                heartbeat,
                rs.getString("version"),
                drainRequested,
                rs.getString("isolation"));
    }
}
