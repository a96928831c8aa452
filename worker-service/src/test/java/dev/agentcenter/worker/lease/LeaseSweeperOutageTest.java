package dev.agentcenter.worker.lease;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.agentcenter.testing.StoppablePostgres;
import dev.agentcenter.worker.TestWorld;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The sweeper against a Postgres that is stopped for longer than a lease and started again: leases that expired
 * while nobody could renew them do not fail their runs until runners had a whole lease of database time to renew.
 */
class LeaseSweeperOutageTest {

    /** Ample, so that "right after the restart" is well inside it even on a loaded machine. */
    private static final Duration GRACE = Duration.ofSeconds(20);

    private static StoppablePostgres postgres;
    private static TestWorld world;

    @BeforeAll
    static void database() {
        postgres = StoppablePostgres.start();
        world = TestWorld.on(postgres.settings());
    }

    @AfterAll
    static void close() {
        if (world != null) {
            world.close();
        }
        if (postgres != null) {
            postgres.close();
        }
    }

    @Test
    void anOutageLongerThanTheLeaseFailsNoRunWhoseRunnerRenewsOnceTheDatabaseIsBack() {
        LeaseSweeper sweeper = new LeaseSweeper(
                world.db, world.transactions, world.events, TestWorld.settings().build(), GRACE);
        UUID workspace = world.workspace();
        UUID runner = world.runner("r1", "http://127.0.0.1:9", 4);
        UUID renewed = running(world.queuedRun(workspace), runner);
        UUID abandoned = running(world.queuedRun(workspace), runner);

        postgres.stop();
        assertThatThrownBy(sweeper::sweep).as("nothing to judge while the database is down");
        postgres.startAgain();

        // Both leases ran out before the database came back. Right after the restart nothing is judged: the database
        // has been up
        // for less than the grace.
        assertThat(expired(renewed)).isTrue();
        sweeper.sweep();
        assertThat(world.status(renewed)).isEqualTo("running");
        assertThat(world.status(abandoned)).isEqualTo("running");

        // One runner renews as soon as it reaches the database again; the other never does.
        world.db
                .sql("UPDATE runs SET lease_expires_at = now() + interval '1 hour' WHERE id = :id")
                .param("id", renewed)
                .update();
        await().atMost(GRACE.multipliedBy(4))
                .pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> {
                    sweeper.sweep();
                    assertThat(world.status(abandoned)).isEqualTo("failed");
                });
        assertThat(world.run(abandoned).get("error_code")).isEqualTo("runner_lost");
        assertThat(world.status(renewed)).isEqualTo("running");
    }

    private static UUID running(UUID run, UUID runner) {
        world.db.sql("""
                        UPDATE runs SET status = 'running', runner_id = :runner, lease_token = gen_random_uuid(),
                                        lease_expires_at = now() - interval '1 second', started_at = now(),
                                        dispatch_attempts = 1
                         WHERE id = :id""").param("runner", runner).param("id", run).update();
        return run;
    }

    private static boolean expired(UUID run) {
        return world.db
                .sql("SELECT lease_expires_at < now() FROM runs WHERE id = :id")
                .param("id", run)
                .query(Boolean.class)
                .single();
    }
}
