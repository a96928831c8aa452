package dev.agentcenter.worker.queue;

import dev.agentcenter.support.ledger.RunEventWriter;
import dev.agentcenter.support.listen.PostgresListener;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * The worker's meters: {@code agentcenter.queue.depth} (queued runs, read from Postgres at each scrape, so every
 * worker reports the same), {@code agentcenter.queue.to.dispatch} (from a run's {@code queued_at} to a runner
 * accepting it), {@code agentcenter.listen.reconnects} and {@code agentcenter.run.events.written}.
 */
@Component
class QueueMetrics {

    private static final Logger log = LoggerFactory.getLogger(QueueMetrics.class);

    private final JdbcClient db;
    private final Timer queueToDispatch;

    QueueMetrics(JdbcClient db, MeterRegistry registry) {
        this.db = db;
        Gauge.builder("agentcenter.queue.depth", this, QueueMetrics::depth)
                .description("Runs waiting in the queue")
                .register(registry);
        this.queueToDispatch = Timer.builder("agentcenter.queue.to.dispatch")
                .description("From a run being queued to a runner accepting it")
                .publishPercentileHistogram()
                .register(registry);
        FunctionCounter.builder(
                        "agentcenter.listen.reconnects",
                        PostgresListener.class,
                        c -> PostgresListener.reconnectsInProcess())
                .description("Times the LISTEN connection was established again after it broke")
                .register(registry);
        FunctionCounter.builder(
                        "agentcenter.run.events.written", RunEventWriter.class, c -> RunEventWriter.eventsWritten())
                .description("Run events inserted by this process")
                .register(registry);
    }

    private double depth() {
        try {
            return db.sql("SELECT count(*) FROM runs WHERE status = 'queued'")
                    .query(Long.class)
                    .single();
        } catch (RuntimeException e) {
            return Double.NaN; // Postgres unreachable: no figure rather than a wrong one
        }
    }

    /** A runner accepted the run: records how long it waited since it was queued (by the database's clock). */
    void dispatched(ClaimedRun run) {
        try {
            db.sql("SELECT (extract(epoch FROM now() - queued_at) * 1000)::bigint FROM runs WHERE id = :id")
                    .param("id", run.runId())
                    .query(Long.class)
                    .optional()
                    .ifPresent(millis -> queueToDispatch.record(Duration.ofMillis(Math.max(0, millis))));
        } catch (RuntimeException e) {
            log.debug("Could not read when run {} was queued: {}", run.runId(), e.toString());
        }
    }
}
