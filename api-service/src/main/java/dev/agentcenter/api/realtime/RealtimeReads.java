package dev.agentcenter.api.realtime;

import dev.agentcenter.api.run.RunStore;
import dev.agentcenter.model.RunEvent;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import tools.jackson.databind.ObjectMapper;

/** Every database read of the realtime fan-out, counted so that its load can be observed. */
@Component
class RealtimeReads {

    /** What a subscriber needs to know about a run when it subscribes. */
    record RunState(long lastSequence, String status) {}

    /** Events read in one go, and whether more followed (the read ended at its limit or byte budget). */
    record FeedPage(List<FeedEvent> events, boolean more) {}

    private final RunStore runs;
    private final JdbcClient db;
    private final ObjectMapper json;
    private final AtomicLong feedReads = new AtomicLong();
    private final AtomicLong backlogReads = new AtomicLong();
    private final AtomicLong runLookups = new AtomicLong();

    RealtimeReads(RunStore runs, JdbcClient db, ObjectMapper json) {
        this.runs = runs;
        this.db = db;
        this.json = json;
    }

    /** The live feed of a run reading what was committed since its last read (once for all subscribers). */
    FeedPage feed(UUID runId, long afterSequence, int limit, long maxBytes) {
        feedReads.incrementAndGet();
        return read(runId, afterSequence, limit, maxBytes);
    }

    /** One subscriber catching up from its own position (only when the in-memory tail does not reach back). */
    FeedPage backlog(UUID runId, long afterSequence, int limit, long maxBytes) {
        backlogReads.incrementAndGet();
        return read(runId, afterSequence, limit, maxBytes);
    }

    /** The committed last sequence and status of a run, or empty when there is no such run. */
    Optional<RunState> run(UUID runId) {
        runLookups.incrementAndGet();
        return db.sql("SELECT last_sequence, status FROM runs WHERE id = :id")
                .param("id", runId)
                .query((rs, row) -> new RunState(rs.getLong("last_sequence"), rs.getString("status")))
                .optional();
    }

    long feedReads() {
        return feedReads.get();
    }

    long backlogReads() {
        return backlogReads.get();
    }

    long runLookups() {
        return runLookups.get();
    }

    private FeedPage read(UUID runId, long afterSequence, int limit, long maxBytes) {
        RunStore.EventPage<RunEvent> page = runs.events(runId, afterSequence, limit, maxBytes);
        return new FeedPage(page.items().stream().map(this::toFeed).toList(), page.more());
    }

    private FeedEvent toFeed(RunEvent event) {
        return new FeedEvent(event.sequence(), event.eventType(), json.writeValueAsString(event));
    }
}
