package dev.agentcenter.worker.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agentcenter.worker.TestWorld;
import dev.agentcenter.worker.TestWorld.Event;
import dev.agentcenter.worker.WorkerProperties;
import java.io.IOException;
import java.net.ServerSocket;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The claim-and-dispatch loop against a real Postgres and a fake runner over real HTTP. The poll interval is 60 s
 * throughout, so anything that happens sooner was caused by a notification (or a backoff ending).
 */
class DispatchLoopTest {

    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private static TestWorld world;

    private final List<DispatchLoop> loops = new ArrayList<>();
    private FakeRunner runner;
    private UUID workspace;

    @BeforeAll
    static void database() {
        world = TestWorld.create();
    }

    @AfterAll
    static void closeDatabase() {
        world.close();
    }

    @BeforeEach
    void setUp() throws IOException {
        // Each test starts from an empty queue and no runners: tests share one database.
        world.db.sql("DELETE FROM tasks").update();
        world.db.sql("DELETE FROM runners").update();
        runner = new FakeRunner();
        workspace = world.workspace();
    }

    @AfterEach
    void tearDown() {
        loops.forEach(DispatchLoop::stop);
        runner.close();
    }

    @Test
    void threeWorkersDispatchEveryRunExactlyOnce() {
        world.runner("big", runner.baseUrl(), 1000);
        WorkerProperties settings = TestWorld.settings().build();
        DispatchLoop first = start(settings, "w1");
        DispatchLoop second = start(settings, "w2");
        DispatchLoop third = start(settings, "w3");
        awaitIdle(first, second, third);

        List<UUID> runs = world.transactions.execute(status -> {
            List<UUID> ids = new ArrayList<>();
            for (int i = 0; i < 60; i++) {
                ids.add(world.queuedRun(workspace));
            }
            return ids;
        });

        await().atMost(PATIENCE).until(() -> runner.received().size() >= 60 && provisioning() == 60);
        awaitFreshRound(first);
        awaitFreshRound(second);
        awaitFreshRound(third);

        assertThat(runner.received()).hasSize(60);
        for (UUID run : runs) {
            assertThat(runner.requestsFor(run)).as("requests for %s", run).isEqualTo(1);
            assertThat(world.status(run)).isEqualTo("provisioning");
            assertThat(world.run(run).get("dispatch_attempts")).isEqualTo(1);
            List<Event> claims = world.events(run).stream()
                    .filter(e -> e.type().equals("run.status_changed"))
                    .toList();
            assertThat(claims).hasSize(1);
            assertThat(claims.getFirst().payload().path("status").asString()).isEqualTo("provisioning");
        }
        // All three took part: the claim statement is what kept them apart, not luck of timing.
        assertThat(world.db
                        .sql("SELECT count(DISTINCT payload->>'workerId') FROM run_events")
                        .query(Long.class)
                        .single())
                .isGreaterThanOrEqualTo(2);
    }

    @Test
    void dispatchCarriesTheTokenAndTheLease() {
        world.runner("one", runner.baseUrl(), 4);
        DispatchLoop loop = start(TestWorld.settings().token("s3cret").build(), "w1");
        awaitIdle(loop);

        UUID run = world.queuedRun(workspace);

        await().atMost(PATIENCE).until(() -> runner.requestsFor(run) == 1);
        FakeRunner.Received request = runner.received().getFirst();
        assertThat(request.method()).isEqualTo("POST");
        assertThat(request.path()).isEqualTo("/internal/runs/execute");
        assertThat(request.authorization()).isEqualTo("Bearer s3cret");
        assertThat(request.body().path("attempt").asInt()).isEqualTo(1);
        assertThat(request.body().path("leaseToken").asString())
                .isEqualTo(world.run(run).get("lease_token").toString());
        assertThat(world.run(run).get("started_at")).isNull();
        assertThat(world.run(run).get("lease_expires_at")).isNotNull();
        Event claim = world.events(run).getFirst();
        assertThat(claim.message()).isEqualTo("Claimed by worker w1; dispatching to runner one");
        assertThat(claim.payload().path("previousStatus").asString()).isEqualTo("queued");
        assertThat(claim.payload().path("workerId").asString()).isEqualTo("w1");
        assertThat(claim.payload().path("runnerId").asString())
                .isEqualTo(world.run(run).get("runner_id").toString());
    }

    @Test
    void aKilledListenerConnectionIsReplacedAndTheQueueReadAgain() {
        world.runner("one", runner.baseUrl(), 4);
        DispatchLoop loop = start(TestWorld.settings().build(), "w1");
        awaitIdle(loop);

        long killed = world.db
                .sql("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                        + " WHERE datname = current_database() AND application_name = 'agent-center-worker-listener'")
                .query(Long.class)
                .single();
        assertThat(killed).isEqualTo(1);
        // Queued while the listener may still be down: its NOTIFY can be lost, the re-read after reconnecting is not.
        UUID run = world.queuedRun(workspace);

        await().atMost(PATIENCE).until(() -> runner.requestsFor(run) == 1);
        await().atMost(PATIENCE).until(loop::listening);
        assertThat(world.status(run)).isEqualTo("provisioning");
    }

    @Test
    void aRunnerThatHangsDoesNotHoldUpDispatchToAnother() throws IOException {
        CountDownLatch release = new CountDownLatch(1);
        try (FakeRunner hanging = new FakeRunner()) {
            hanging.answer(request -> {
                try {
                    release.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return FakeRunner.accepted();
            });
            world.runner("hanging", hanging.baseUrl(), 1);
            world.runner("quick", runner.baseUrl(), 1);
            DispatchLoop loop = start(
                    TestWorld.settings().dispatchTimeout(Duration.ofSeconds(60)).build(), "w1");
            awaitIdle(loop);

            world.transactions.executeWithoutResult(status -> {
                world.queuedRun(workspace);
                world.queuedRun(workspace);
            });

            // One run each (one slot each); the quick runner gets its request while the other still hangs.
            await().atMost(PATIENCE)
                    .until(() ->
                            hanging.received().size() == 1 && runner.received().size() == 1);
            assertThat(release.getCount()).isEqualTo(1);
            release.countDown();
            await().atMost(PATIENCE).until(() -> provisioning() == 2);
        } finally {
            release.countDown();
        }
    }

    @Test
    void claimsNothingWithoutAnOnlineRunnerThatSentAHeartbeat() {
        world.runner("silent", runner.baseUrl(), 4);
        world.db
                .sql("UPDATE runners SET last_heartbeat_at = now() - interval '1 hour'")
                .update();
        world.db
                .sql("INSERT INTO runners (name, base_url, status, capacity) VALUES ('off', :url, 'offline', 4)")
                .param("url", runner.baseUrl())
                .update();
        DispatchLoop loop = start(TestWorld.settings().build(), "w1");
        awaitIdle(loop);

        UUID run = world.queuedRun(workspace);
        awaitFreshRound(loop);

        assertThat(world.status(run)).isEqualTo("queued");
        assertThat(world.events(run)).isEmpty();
        assertThat(runner.received()).isEmpty();
    }

    @Test
    void fillsOnlyFreeSlotsAndTakesMoreWhenTheRunnerSaysItHasRoom() {
        world.runner("small", runner.baseUrl(), 2);
        DispatchLoop loop = start(TestWorld.settings().build(), "w1");
        awaitIdle(loop);

        List<UUID> runs = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            runs.add(world.queuedRun(workspace));
        }
        await().atMost(PATIENCE)
                .until(() -> provisioning() == 2 && runner.received().size() == 2);
        awaitFreshRound(loop);
        assertThat(provisioning()).isEqualTo(2);

        // The runner finishes one and says so; the poll interval is a minute away.
        UUID done = runs.stream()
                .filter(r -> world.status(r).equals("provisioning"))
                .findFirst()
                .orElseThrow();
        world.db
                .sql("UPDATE runs SET status = 'completed', finished_at = now() WHERE id = :id")
                .param("id", done)
                .update();
        world.db.sql("SELECT pg_notify('runner_capacity', 'small')").query().singleRow();

        await().atMost(PATIENCE)
                .until(() -> provisioning() == 2 && runner.received().size() == 3);
        awaitFreshRound(loop);
        assertThat(runner.received()).hasSize(3);
    }

    @Test
    void busyRunnerGetsTheRunAgainAfterABackoff() {
        world.runner("busy", runner.baseUrl(), 4);
        AtomicInteger calls = new AtomicInteger();
        runner.answer(request -> calls.incrementAndGet() == 1
                ? FakeRunner.json(429, "{\"code\":\"runner_busy\",\"detail\":\"All 4 slots are in use\"}")
                : FakeRunner.accepted());
        DispatchLoop loop = start(TestWorld.settings().build(), "w1");
        awaitIdle(loop);

        UUID run = world.queuedRun(workspace);

        await().atMost(PATIENCE)
                .until(() -> runner.requestsFor(run) == 2 && world.status(run).equals("provisioning"));
        assertThat(world.run(run).get("dispatch_attempts")).isEqualTo(2);
        List<Event> events = world.events(run);
        assertThat(events)
                .extracting(Event::type)
                .containsExactly("run.status_changed", "run.status_changed", "run.status_changed");
        Event requeued = events.get(1);
        assertThat(requeued.level()).isEqualTo("warn");
        assertThat(requeued.message())
                .startsWith("Runner busy is busy (HTTP 429 runner_busy: All 4 slots are in use); queued again")
                .contains("dispatch attempt 1 of 5");
        assertThat(requeued.payload().path("status").asString()).isEqualTo("queued");
        assertThat(requeued.payload().path("retryInMs").asLong()).isEqualTo(200);
    }

    @Test
    void unreachableRunnerFailsTheRunAfterTheLastAttempt() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        world.runner("gone", "http://127.0.0.1:" + closedPort, 4);
        DispatchLoop loop = start(TestWorld.settings().dispatchMaxAttempts(3).build(), "w1");
        awaitIdle(loop);

        UUID run = world.queuedRun(workspace);

        await().atMost(PATIENCE).until(() -> world.status(run).equals("failed"));
        var row = world.run(run);
        assertThat(row.get("error_code")).isEqualTo("dispatch_failed");
        assertThat((String) row.get("error_message"))
                .startsWith("Could not hand the run to a runner after 3 attempts: runner gone could not be reached at"
                        + " http://127.0.0.1:" + closedPort + "/internal/runs/execute");
        assertThat(row.get("finished_at")).isNotNull();
        assertThat(row.get("lease_token")).isNull();
        List<Event> events = world.events(run);
        assertThat(events)
                .extracting(Event::type)
                .containsExactly(
                        "run.status_changed", // claimed
                        "run.status_changed", // queued again
                        "run.status_changed", // claimed
                        "run.status_changed", // queued again
                        "run.status_changed", // claimed
                        "run.status_changed", // failed
                        "run.failed");
        assertThat(events.get(5).level()).isEqualTo("error");
        assertThat(events.get(6).payload().path("code").asString()).isEqualTo("dispatch_failed");
        assertThat(world.db.sql("SELECT status FROM tasks").query(String.class).single())
                .isEqualTo("failed");
    }

    @Test
    void refusedTokenFailsTheRunAtOnceAndSaysWhy() {
        world.runner("strict", runner.baseUrl(), 4);
        runner.answer(request -> FakeRunner.json(401, "{\"code\":\"unauthorized\"}"));
        DispatchLoop loop = start(TestWorld.settings().token("wrong").build(), "w1");
        awaitIdle(loop);

        UUID run = world.queuedRun(workspace);

        await().atMost(PATIENCE).until(() -> world.status(run).equals("failed"));
        assertThat(runner.requestsFor(run)).isEqualTo(1);
        var row = world.run(run);
        assertThat(row.get("error_code")).isEqualTo("runner_auth_failed");
        assertThat((String) row.get("error_message"))
                .contains("Runner strict refused")
                .contains("RUNNER_INTERNAL_TOKEN differs between the worker and the runner");
        assertThat(world.events(run)).extracting(Event::type).endsWith("run.status_changed", "run.failed");
    }

    @Test
    void stopHandsBackARunClaimedButNotYetSent() throws Exception {
        UUID runnerId = world.runner("slow-lock", runner.baseUrl(), 4);
        DispatchLoop loop = start(TestWorld.settings().build(), "w1");
        awaitIdle(loop);

        Thread stopper;
        // Holding the runner's row makes the worker's claim wait inside its transaction: the moment to stop it.
        try (Connection lock = world.dataSource.getConnection()) {
            lock.setAutoCommit(false);
            try (PreparedStatement statement = lock.prepareStatement("SELECT 1 FROM runners WHERE id = ? FOR UPDATE")) {
                statement.setObject(1, runnerId);
                statement.executeQuery().close();
            }
            UUID run = world.queuedRun(workspace);
            await().atMost(PATIENCE)
                    .until(() -> world.db
                                    .sql("SELECT count(*) FROM pg_stat_activity"
                                            + " WHERE datname = current_database() AND wait_event_type = 'Lock'")
                                    .query(Long.class)
                                    .single()
                            == 1);
            stopper = Thread.ofPlatform().start(loop::stop);
            await().atMost(PATIENCE).until(loop::stopping);
            lock.commit();

            stopper.join(PATIENCE);
            assertThat(stopper.isAlive()).isFalse();
            assertThat(runner.received()).isEmpty();
            var row = world.run(run);
            assertThat(row.get("status")).isEqualTo("queued");
            assertThat(row.get("dispatch_attempts")).isEqualTo(0);
            assertThat(row.get("runner_id")).isNull();
            assertThat(row.get("lease_token")).isNull();
            assertThat(row.get("not_before")).isNull();
            List<Event> events = world.events(run);
            assertThat(events).extracting(Event::level).containsExactly("info", "warn");
            assertThat(events.get(1).payload().path("reason").asString()).isEqualTo("worker_stopping");
        }
    }

    @Test
    void stopLetsADispatchAlreadySentFinish() throws Exception {
        world.runner("slow", runner.baseUrl(), 4);
        CountDownLatch release = new CountDownLatch(1);
        runner.answer(request -> {
            try {
                release.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return FakeRunner.accepted();
        });
        DispatchLoop loop = start(
                TestWorld.settings().dispatchTimeout(Duration.ofSeconds(60)).build(), "w1");
        awaitIdle(loop);

        UUID run = world.queuedRun(workspace);
        await().atMost(PATIENCE).until(() -> runner.requestsFor(run) == 1);
        Thread stopper = Thread.ofPlatform().start(loop::stop);
        await().atMost(PATIENCE).until(loop::stopping);
        release.countDown();
        stopper.join(Duration.ofSeconds(90));

        assertThat(stopper.isAlive()).isFalse();
        assertThat(world.status(run)).isEqualTo("provisioning");
        assertThat(runner.requestsFor(run)).isEqualTo(1);
        assertThat(world.events(run)).extracting(Event::level).containsExactly("info");
    }

    private DispatchLoop start(WorkerProperties settings, String workerId) {
        DispatchLoop loop = QueueConfiguration.dispatchLoop(
                world.dataSource,
                world.transactions,
                world.events,
                QueueConfiguration.runnerHttpClient(settings.dispatchTimeout()),
                QueueConfiguration.listenerConnection(
                        world.settings.jdbcUrl(), world.settings.username(), world.settings.password()),
                settings,
                workerId);
        loops.add(loop);
        loop.start();
        return loop;
    }

    /** Up, listening, and past its first round: from now on only a wake-up explains a claim. */
    private static void awaitIdle(DispatchLoop... loops) {
        for (DispatchLoop loop : loops) {
            await().atMost(PATIENCE).until(() -> loop.listening() && loop.rounds() >= 1);
        }
    }

    /** Waits for a whole claim round that began after this call (the NOTIFY makes sure one happens). */
    private static void awaitFreshRound(DispatchLoop loop) {
        long started = loop.roundsStarted();
        world.db.sql("SELECT pg_notify('run_queued', 'test')").query().singleRow();
        await().atMost(PATIENCE).until(() -> loop.rounds() >= started + 1);
    }

    private static long provisioning() {
        return world.db
                .sql("SELECT count(*) FROM runs WHERE status = 'provisioning'")
                .query(Long.class)
                .single();
    }
}
