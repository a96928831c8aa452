package dev.agentcenter.worker.lease;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentcenter.support.ledger.RunEventWriter;
import dev.agentcenter.worker.TestWorld;
import dev.agentcenter.worker.TestWorld.Event;
import java.sql.Connection;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** One sweep at a time, called directly: what it does is decided by the rows, not by timing. */
class LeaseSweeperTest {

    private static TestWorld world;
    private LeaseSweeper sweeper;
    private UUID workspace;
    private UUID runnerId;

    @BeforeAll
    static void database() {
        world = TestWorld.create();
    }

    @AfterAll
    static void closeDatabase() {
        world.close();
    }

    @BeforeEach
    void setUp() {
        world.db.sql("DELETE FROM tasks").update();
        world.db.sql("DELETE FROM runners").update();
        sweeper = new LeaseSweeper(
                world.db,
                world.transactions,
                world.events,
                TestWorld.settings().dispatchMaxAttempts(3).build(),
                java.time.Duration.ZERO);
        workspace = world.workspace();
        runnerId = world.runner("r1", "http://127.0.0.1:9", 4);
    }

    @Test
    void aStartedRunWhoseLeaseExpiredFailsAndItsRunnerCanNoLongerWrite() throws Exception {
        UUID run = held(world.queuedRun(workspace), "running", true, "now() - interval '5 seconds'", 1);
        UUID oldToken = (UUID) world.run(run).get("lease_token");

        sweeper.sweep();

        Map<String, Object> row = world.run(run);
        assertThat(row.get("status")).isEqualTo("failed");
        assertThat(row.get("error_code")).isEqualTo("runner_lost");
        assertThat((String) row.get("error_message"))
                .startsWith("The runner stopped renewing its lease (last expiry ")
                .endsWith("); the run was abandoned");
        assertThat(row.get("finished_at")).isNotNull();
        assertThat(row.get("lease_token")).isNull();
        List<Event> events = world.events(run);
        assertThat(events).extracting(Event::type).containsExactly("run.status_changed", "run.failed");
        assertThat(events.get(0).payload().path("previousStatus").asString()).isEqualTo("running");
        assertThat(events.get(1).payload().path("code").asString()).isEqualTo("runner_lost");
        assertThat(world.db.sql("SELECT status FROM tasks").query(String.class).single())
                .isEqualTo("failed");

        // The runner comes back and writes with the lease it had: refused, nothing stored.
        try (Connection connection = world.dataSource.getConnection()) {
            OptionalLong late = RunEventWriter.append(
                    connection,
                    run,
                    oldToken,
                    List.of(new RunEventWriter.Draft("run.log", "info", "still here", "{\"stream\":\"stdout\"}")));
            assertThat(late).isEmpty();
        }
        assertThat(world.events(run)).hasSize(2);
    }

    @Test
    void aRunNeverStartedGoesBackToTheQueue() {
        UUID run = held(world.queuedRun(workspace), "provisioning", false, "now() - interval '1 second'", 1);

        sweeper.sweep();

        Map<String, Object> row = world.run(run);
        assertThat(row.get("status")).isEqualTo("queued");
        assertThat(row.get("runner_id")).isNull();
        assertThat(row.get("lease_token")).isNull();
        assertThat(row.get("lease_expires_at")).isNull();
        assertThat(row.get("finished_at")).isNull();
        assertThat(row.get("dispatch_attempts")).isEqualTo(1);
        Event event = world.events(run).getFirst();
        assertThat(event.level()).isEqualTo("warn");
        assertThat(event.message()).isEqualTo("Runner r1 did not start the run before its lease expired; queued again");
        assertThat(world.db.sql("SELECT status FROM tasks").query(String.class).single())
                .isEqualTo("queued");
    }

    @Test
    void aRunNeverStartedThatUsedItsDispatchAttemptsFails() {
        UUID run = held(world.queuedRun(workspace), "provisioning", false, "now() - interval '1 second'", 3);

        sweeper.sweep();

        assertThat(world.run(run).get("status")).isEqualTo("failed");
        assertThat(world.run(run).get("error_code")).isEqualTo("runner_lost");
    }

    @Test
    void aCancelRequestedRunWhoseRunnerVanishedEndsCancelled() {
        UUID run = held(world.queuedRun(workspace), "running", true, "now() - interval '1 second'", 1);
        world.db
                .sql("UPDATE runs SET cancel_requested_at = now() WHERE id = :id")
                .param("id", run)
                .update();

        sweeper.sweep();

        assertThat(world.run(run).get("status")).isEqualTo("cancelled");
        assertThat(world.events(run)).extracting(Event::type).containsExactly("run.cancelled");
    }

    @Test
    void liveLeasesAreLeftAlone() {
        UUID run = held(world.queuedRun(workspace), "running", true, "now() + interval '30 seconds'", 1);

        sweeper.sweep();

        assertThat(world.status(run)).isEqualTo("running");
        assertThat(world.events(run)).isEmpty();
    }

    @Test
    void runnersWithoutARecentHeartbeatAreMarkedOffline() {
        UUID stale = world.runner("r2", "http://127.0.0.1:9", 4);
        world.db
                .sql("UPDATE runners SET last_heartbeat_at = now() - interval '5 minutes' WHERE id = :id")
                .param("id", stale)
                .update();

        sweeper.sweep();

        assertThat(world.db
                        .sql("SELECT name, status FROM runners ORDER BY name")
                        .query((rs, row) -> rs.getString(1) + "=" + rs.getString(2))
                        .list())
                .containsExactly("r1=online", "r2=offline");
    }

    @Test
    void sweepersRunningAtOnceHandleEachRunOnce() {
        for (int i = 0; i < 40; i++) {
            held(world.queuedRun(workspace), "running", true, "now() - interval '1 second'", 1);
        }
        LeaseSweeper other = new LeaseSweeper(
                world.db,
                world.transactions,
                world.events,
                TestWorld.settings().dispatchMaxAttempts(3).build(),
                java.time.Duration.ZERO);

        CompletableFuture.allOf(CompletableFuture.runAsync(sweeper::sweep), CompletableFuture.runAsync(other::sweep))
                .join();

        assertThat(world.db
                        .sql("SELECT count(*) FROM runs WHERE status = 'failed'")
                        .query(Long.class)
                        .single())
                .isEqualTo(40);
        assertThat(world.db
                        .sql("SELECT count(*) FROM run_events WHERE event_type = 'run.failed'")
                        .query(Long.class)
                        .single())
                .isEqualTo(40);
    }

    /** Puts a queued run in the hands of runner r1 under a lease, as a claim and a runner would have. */
    private UUID held(UUID run, String status, boolean started, String leaseExpiresAt, int dispatchAttempts) {
        world.db
                .sql("UPDATE runs SET status = :status, runner_id = :runner, lease_token = gen_random_uuid(),"
                        + " lease_expires_at = " + leaseExpiresAt + ", dispatch_attempts = :attempts,"
                        + " started_at = CASE WHEN :started THEN now() END WHERE id = :id")
                .param("status", status)
                .param("runner", runnerId)
                .param("attempts", dispatchAttempts)
                .param("started", started)
                .param("id", run)
                .update();
        return run;
    }
}
