package dev.agentcenter.api.run;

import dev.agentcenter.api.web.JsonColumns;
import dev.agentcenter.model.EventLevel;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Appends run events. The sequence comes from {@code runs.last_sequence}, incremented under the run's row lock,
 * which is held until commit: so commit order equals sequence order and a reader following {@code sequence} can
 * never skip an event. Listeners are told through {@code NOTIFY run_events}, delivered at commit.
 */
@Component
public class RunEventLog {

    private final JdbcClient db;
    private final JsonColumns json;

    RunEventLog(JdbcClient db, JsonColumns json) {
        this.db = db;
        this.json = json;
    }

    /** Appends one event in the caller's transaction and returns its sequence. */
    public long append(UUID runId, String eventType, EventLevel level, String message, Map<String, Object> payload) {
        long sequence = db.sql(
                        "UPDATE runs SET last_sequence = last_sequence + 1 WHERE id = :id RETURNING last_sequence")
                .param("id", runId)
                .query(Long.class)
                .single();
        db.sql("""
                        INSERT INTO run_events (run_id, sequence, event_type, level, message, payload)
                        VALUES (:runId, :sequence, :type, :level, :message, CAST(:payload AS jsonb))""")
                .param("runId", runId)
                .param("sequence", sequence)
                .param("type", eventType)
                .param("level", level.name().toLowerCase(Locale.ROOT))
                .param("message", message)
                .param("payload", json.write(payload))
                .update();
        db.sql("SELECT pg_notify('run_events', :runId)")
                .param("runId", runId.toString())
                .query((rs, row) -> 0)
                .list();
        return sequence;
    }
}
