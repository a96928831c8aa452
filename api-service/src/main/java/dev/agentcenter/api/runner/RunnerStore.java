package dev.agentcenter.api.runner;

import dev.agentcenter.api.web.Rows;
import dev.agentcenter.model.Runner;
import dev.agentcenter.model.RunnerStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** Registered runners, as the worker and the runners themselves keep them; read-only here. */
@Repository
class RunnerStore {

    /**
     * A runner that has not sent a heartbeat for this long is shown offline, whatever it last said: a runner that
     * died cannot say so itself.
     */
    static final Duration OFFLINE_AFTER = Duration.ofSeconds(30);

    private final JdbcClient db;

    RunnerStore(JdbcClient db) {
        this.db = db;
    }

    /** All runners by name, with the status they have at {@code now}. */
    List<Runner> list(Instant now) {
        Instant staleBefore = now.minus(OFFLINE_AFTER);
        return db.sql("""
                        SELECT id, name, base_url, status, capacity, active_runs, last_heartbeat_at, version, isolation
                        FROM runners ORDER BY name, id""")
                .query((rs, row) -> {
                    Instant heartbeat = Rows.instant(rs, "last_heartbeat_at");
                    RunnerStatus status = heartbeat == null || heartbeat.isBefore(staleBefore)
                            ? RunnerStatus.OFFLINE
                            : RunnerStatus.valueOf(rs.getString("status").toUpperCase(Locale.ROOT));
                    return new Runner(
                            Rows.uuid(rs, "id"),
                            rs.getString("name"),
                            rs.getString("base_url"),
                            status,
                            rs.getInt("capacity"),
                            rs.getInt("active_runs"),
                            heartbeat,
                            rs.getString("version"),
                            rs.getString("isolation"));
                })
                .list();
    }
}
