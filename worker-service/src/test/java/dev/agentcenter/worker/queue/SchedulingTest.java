package dev.agentcenter.worker.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agentcenter.worker.TestWorld;
import dev.agentcenter.worker.TestWorld.Event;
import dev.agentcenter.worker.WorkerProperties;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Where a run may go: concurrency limits per workspace and repository connection with several workers racing,
 * workspace affinity (wait for the runner holding the workspace, re-home when it is drained or gone), and the
 * {@code waitingFor} reasons. Real Postgres, fake runners over real HTTP; runs "finish" when the test says so.
 */
class SchedulingTest {

    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private static TestWorld world;

    private final List<DispatchLoop> loops = new ArrayList<>();
    private final List<FakeRunner> fakes = new ArrayList<>();

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
    }

    @AfterEach
    void tearDown() {
        loops.forEach(DispatchLoop::stop);
        fakes.forEach(FakeRunner::close);
    }

    @Test
    void twoWorkersRacingNeverRunMoreThanTheWorkspaceAndRepositoryLimits() throws Exception {
        UUID workspace = world.workspace();
        world.db
                .sql("UPDATE workspaces SET max_concurrent_runs = 3 WHERE id = :id")
                .param("id", workspace)
                .update();
        UUID repository =
                world.db.sql("""
                        INSERT INTO repo_connections (workspace_id, owner, repo, max_concurrent_runs)
                        VALUES (:ws, 'acme', 'app', 1) RETURNING id""").param("ws", workspace).query(UUID.class).single();
        UUID other = world.workspace(); // no limit: shows the limits hold runs back, not the runners
        runner("r1", 50);
        runner("r2", 50);
        List<UUID> limited = new ArrayList<>();
        List<UUID> onRepository = new ArrayList<>();
        List<UUID> free = new ArrayList<>();
        world.transactions.executeWithoutResult(status -> {
            for (int i = 0; i < 16; i++) {
                limited.add(queued(world.task(workspace)));
                onRepository.add(queued(repositoryTask(workspace, repository)));
                free.add(queued(world.task(other)));
            }
        });

        WorkerProperties settings = TestWorld.settings().claimBatchSize(50).build();
        DispatchLoop first = start(settings, "w1");
        DispatchLoop second = start(settings, "w2");

        // Samples the counts all along, from its own connection, while the test finishes runs one by one.
        AtomicLong maxWorkspace = new AtomicLong();
        AtomicLong maxRepository = new AtomicLong();
        AtomicBoolean sampling = new AtomicBoolean(true);
        Thread sampler = Thread.ofPlatform().start(() -> {
            while (sampling.get()) {
                maxWorkspace.accumulateAndGet(active("t.workspace_id", workspace), Math::max);
                maxRepository.accumulateAndGet(active("t.repo_connection_id", repository), Math::max);
            }
        });
        await().atMost(PATIENCE).until(() -> dispatched(free) == free.size());
        int finished = 0;
        while (finished < limited.size() + onRepository.size()) {
            // A whole round of each worker after the last finish: whatever they could claim, they have.
            awaitFreshRound(first);
            awaitFreshRound(second);
            assertThat(active("t.workspace_id", workspace)).isLessThanOrEqualTo(3);
            assertThat(active("t.repo_connection_id", repository)).isLessThanOrEqualTo(1);
            finished += finishOneActive(workspace);
            if (finished % 8 == 0) {
                assertQueuedRunsSayWhy(workspace);
            }
        }
        sampling.set(false);
        sampler.join();

        assertThat(maxWorkspace.get()).isEqualTo(3);
        assertThat(maxRepository.get()).isEqualTo(1);
        for (UUID run : concat(limited, onRepository, free)) {
            assertThat(world.run(run).get("dispatch_attempts"))
                    .as("run %s", run)
                    .isEqualTo(1);
        }
        // Both workers claimed limited runs: the locks, not one worker's monopoly, kept the limit.
        assertThat(world.db.sql("""
                        SELECT count(DISTINCT e.payload->>'workerId') FROM run_events e
                          JOIN runs r ON r.id = e.run_id JOIN tasks t ON t.id = r.task_id
                         WHERE t.workspace_id = :ws AND e.event_type = 'run.status_changed'""").param("ws", workspace).query(Long.class).single())
                .isEqualTo(2);
    }

    @Test
    void aLaterRunWaitsForTheRunnerHoldingTheWorkspaceAndIsReHomedWhenThatRunnerIsDrainedOrGone() {
        FakeRunner fake1 = fake();
        FakeRunner fake2 = fake();
        UUID r1 = world.runner("r1", fake1.baseUrl(), 1);
        UUID r2 = world.runner("r2", fake2.baseUrl(), 1);
        UUID workspace = world.workspace();
        UUID task = world.task(workspace);
        setHome(task, r1);
        UUID busy = runningOn(r1, workspace); // r1's one slot is taken by another task's run
        DispatchLoop loop = start(TestWorld.settings().build(), "w1");
        awaitIdle(loop);

        UUID followUp = queued(task);
        await().atMost(PATIENCE)
                .until(() -> ("runner:" + r1).equals(world.run(followUp).get("waiting_for")));
        assertThat(fake2.requestsFor(followUp)).isZero();
        assertThat(world.status(followUp)).isEqualTo("queued");
        Event waiting = only(followUp, "run.waiting");
        assertThat(waiting.payload().path("runnerId").asString()).isEqualTo(r1.toString());
        assertThat(waiting.message()).contains("r1");

        finish(busy, true);
        await().atMost(PATIENCE).until(() -> fake1.requestsFor(followUp) == 1);
        assertThat(world.run(followUp).get("runner_id")).isEqualTo(r1);
        assertThat(world.run(followUp).get("rehomed_from_runner_id")).isNull();
        assertThat(world.run(followUp).get("waiting_for")).isNull();
        assertThat(world.events(followUp)).extracting(Event::type).doesNotContain("run.rehomed");

        // Drained: the next run of the task goes elsewhere, and says so.
        finish(followUp, true);
        world.db
                .sql("UPDATE runners SET drain_requested_at = now() WHERE id = :id")
                .param("id", r1)
                .update();
        UUID afterDrain = queued(task);
        await().atMost(PATIENCE).until(() -> fake2.requestsFor(afterDrain) == 1);
        assertThat(fake1.requestsFor(afterDrain)).isZero();
        assertThat(world.run(afterDrain).get("rehomed_from_runner_id")).isEqualTo(r1);
        Event rehomed = only(afterDrain, "run.rehomed");
        assertThat(rehomed.level()).isEqualTo("warn");
        assertThat(rehomed.payload().path("reason").asString()).isEqualTo("runner_drained");
        assertThat(rehomed.payload().path("fromRunnerId").asString()).isEqualTo(r1.toString());
        assertThat(rehomed.payload().path("toRunnerId").asString()).isEqualTo(r2.toString());
        assertThat(rehomed.payload().path("workspace").asString()).isEqualTo("empty");
        assertThat(rehomed.message()).contains("empty workspace");

        // Gone: r2 now holds the workspace and stops sending heartbeats; r1 is back from its drain.
        finish(afterDrain, true);
        setHome(task, r2);
        world.db
                .sql("UPDATE runners SET drain_requested_at = NULL WHERE id = :id")
                .param("id", r1)
                .update();
        world.db
                .sql("UPDATE runners SET last_heartbeat_at = now() - interval '10 minutes' WHERE id = :id")
                .param("id", r2)
                .update();
        UUID afterLoss = queued(task);
        await().atMost(PATIENCE).until(() -> fake1.requestsFor(afterLoss) == 1);
        assertThat(only(afterLoss, "run.rehomed").payload().path("reason").asString())
                .isEqualTo("runner_offline");
    }

    @Test
    void aRunWaitingForABusyRunnerIsReHomedOnceItWaitedTheLongestItMay() {
        FakeRunner fake1 = fake();
        FakeRunner fake2 = fake();
        UUID r1 = world.runner("r1", fake1.baseUrl(), 1);
        world.runner("r2", fake2.baseUrl(), 1);
        UUID workspace = world.workspace();
        UUID task = world.task(workspace);
        setHome(task, r1);
        UUID busy = runningOn(r1, workspace); // r1's one slot is taken by another task's run
        DispatchLoop loop = start(
                TestWorld.settings().pollInterval(Duration.ofMillis(200)).build(),
                new SchedulingProperties(Duration.ofSeconds(2), 500),
                "w1");
        awaitIdle(loop);

        UUID followUp = queued(task);
        await().atMost(PATIENCE).until(() -> fake2.requestsFor(followUp) == 1);
        assertThat(only(followUp, "run.waiting")
                        .payload()
                        .path("maxWaitSeconds")
                        .asLong())
                .isEqualTo(2);
        assertThat(only(followUp, "run.rehomed").payload().path("reason").asString())
                .isEqualTo("affinity_wait_expired");
        assertThat(fake1.requestsFor(followUp)).isZero();
    }

    @Test
    void queuedRunsSayWhetherTheyWaitForRunnerCapacity() {
        FakeRunner fake = fake();
        world.runner("small", fake.baseUrl(), 1);
        UUID workspace = world.workspace();
        DispatchLoop loop = start(TestWorld.settings().build(), "w1");
        awaitIdle(loop);
        UUID first = queued(world.task(workspace));
        UUID second = queued(world.task(workspace));
        await().atMost(PATIENCE).until(() -> fake.requestsFor(first) == 1);
        await().atMost(PATIENCE)
                .until(() -> "runner_capacity".equals(world.run(second).get("waiting_for")));
        // No event for a capacity wait: a burst of runs would write one each.
        assertThat(world.events(second)).isEmpty();
        finish(first, false);
        await().atMost(PATIENCE).until(() -> fake.requestsFor(second) == 1);
        assertThat(world.run(second).get("waiting_for")).isNull();
    }

    // --- helpers

    private void assertQueuedRunsSayWhy(UUID workspace) {
        awaitFreshRound(loops.getFirst());
        List<String> reasons =
                world.db.sql("""
                        SELECT r.waiting_for FROM runs r JOIN tasks t ON t.id = r.task_id
                         WHERE t.workspace_id = :ws AND r.status = 'queued'""").param("ws", workspace).query(String.class).list();
        assertThat(reasons).allMatch(r -> r != null && (r.equals("workspace_limit") || r.equals("repository_limit")));
    }

    private static List<UUID> concat(List<UUID> a, List<UUID> b, List<UUID> c) {
        List<UUID> all = new ArrayList<>(a);
        all.addAll(b);
        all.addAll(c);
        return all;
    }

    private UUID runner(String name, int capacity) throws IOException {
        return world.runner(name, fake().baseUrl(), capacity);
    }

    private FakeRunner fake() {
        try {
            FakeRunner fake = new FakeRunner();
            fakes.add(fake);
            return fake;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static UUID repositoryTask(UUID workspace, UUID repository) {
        return world.db
                .sql("""
                        INSERT INTO tasks (workspace_id, repo_connection_id, title) VALUES (:ws, :repo, 'Repo task')
                        RETURNING id""")
                .param("ws", workspace)
                .param("repo", repository)
                .query(UUID.class)
                .single();
    }

    /** A queued run of the task, with the next attempt number. */
    private static UUID queued(UUID task) {
        return world.db.sql("""
                        INSERT INTO runs (task_id, attempt, status, permission_mode, config)
                        VALUES (:task, (SELECT coalesce(max(attempt), 0) + 1 FROM runs WHERE task_id = :task),
                                'queued', 'safe', '{"commands":[{"command":"echo hi"}]}')
                        RETURNING id""").param("task", task).query(UUID.class).single();
    }

    /** A run of a new task of the workspace, running on the runner. */
    private static UUID runningOn(UUID runner, UUID workspace) {
        UUID run = queued(world.task(workspace));
        world.db
                .sql("UPDATE runs SET status = 'running', runner_id = :runner, started_at = now() WHERE id = :id")
                .param("runner", runner)
                .param("id", run)
                .update();
        return run;
    }

    private static void setHome(UUID task, UUID runner) {
        world.db
                .sql("UPDATE tasks SET workspace_runner_id = :runner WHERE id = :id")
                .param("runner", runner)
                .param("id", task)
                .update();
    }

    /** Ends the run as its runner would, and wakes the workers as a runner with a freed slot does. */
    private static void finish(UUID run, boolean completed) {
        world.db
                .sql("UPDATE runs SET status = :status, finished_at = now(), lease_token = NULL WHERE id = :id")
                .param("status", completed ? "completed" : "failed")
                .param("id", run)
                .update();
        world.db.sql("SELECT pg_notify('runner_capacity', 'test')").query().singleRow();
    }

    /** Finishes the oldest active run of the workspace; returns how many it finished (0 or 1). */
    private static int finishOneActive(UUID workspace) {
        return world.db
                .sql("""
                        SELECT r.id FROM runs r JOIN tasks t ON t.id = r.task_id
                         WHERE t.workspace_id = :ws AND r.status IN ('provisioning', 'cloning', 'running')
                         ORDER BY r.queued_at LIMIT 1""")
                .param("ws", workspace)
                .query(UUID.class)
                .optional()
                .map(run -> {
                    finish(run, true);
                    return 1;
                })
                .orElse(0);
    }

    private static long active(String column, UUID id) {
        return world.db
                .sql("SELECT count(*) FROM runs r JOIN tasks t ON t.id = r.task_id WHERE " + column
                        + " = :id AND r.status IN ('provisioning', 'cloning', 'running')")
                .param("id", id)
                .query(Long.class)
                .single();
    }

    private static long dispatched(List<UUID> runs) {
        return world.db
                .sql("SELECT count(*) FROM runs WHERE id = ANY (CAST(:ids AS uuid[])) AND dispatch_attempts > 0")
                .param(
                        "ids",
                        "{" + String.join(",", runs.stream().map(UUID::toString).toList()) + "}")
                .query(Long.class)
                .single();
    }

    private static Event only(UUID run, String type) {
        List<Event> events =
                world.events(run).stream().filter(e -> e.type().equals(type)).toList();
        assertThat(events).as("%s events of run %s", type, run).hasSize(1);
        return events.getFirst();
    }

    private DispatchLoop start(WorkerProperties settings, String workerId) {
        return start(settings, SchedulingProperties.defaults(), workerId);
    }

    private DispatchLoop start(WorkerProperties settings, SchedulingProperties scheduling, String workerId) {
        DispatchLoop loop = QueueConfiguration.dispatchLoop(
                world.dataSource,
                world.transactions,
                world.events,
                QueueConfiguration.runnerHttpClient(settings.dispatchTimeout()),
                QueueConfiguration.listenerConnection(
                        world.settings.jdbcUrl(), world.settings.username(), world.settings.password()),
                settings,
                scheduling,
                workerId);
        loops.add(loop);
        loop.start();
        return loop;
    }

    private static void awaitIdle(DispatchLoop loop) {
        await().atMost(PATIENCE).until(() -> loop.listening() && loop.rounds() >= 1);
    }

    private static void awaitFreshRound(DispatchLoop loop) {
        long started = loop.roundsStarted();
        world.db.sql("SELECT pg_notify('run_queued', 'test')").query().singleRow();
        await().atMost(PATIENCE).until(() -> loop.rounds() >= started + 1);
    }
}
