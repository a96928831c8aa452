package dev.agentcenter.worker.automation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agentcenter.support.ledger.AutomationFires;
import dev.agentcenter.support.lifecycle.IntervalLoop;
import dev.agentcenter.worker.MutableClock;
import dev.agentcenter.worker.TestWorld;
import dev.agentcenter.worker.TestWorld.Event;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Two schedulers on one database and one settable clock, as two worker processes would be. */
class AutomationSchedulerTest {

    private static final Duration PATIENCE = Duration.ofSeconds(60);
    private static final Instant NINE_THIRTY = Instant.parse("2026-03-02T09:30:00Z");
    private static TestWorld world;

    private final MutableClock clock = new MutableClock(NINE_THIRTY);
    private final List<IntervalLoop> loops = new ArrayList<>();
    private final AtomicLong roundsStarted = new AtomicLong();
    private final AtomicLong roundsDone = new AtomicLong();
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
    void setUp() {
        world.db.sql("DELETE FROM workspaces").update();
        workspace = world.workspace();
    }

    @AfterEach
    void stopLoops() {
        loops.forEach(IntervalLoop::stop);
    }

    @Test
    void eachFireTimeFiresExactlyOnceWithTwoSchedulers() {
        UUID project = world.db
                .sql("INSERT INTO projects (workspace_id, slug, name, default_branch)"
                        + " VALUES (:ws, 'app', 'App', 'trunk') RETURNING id")
                .param("ws", workspace)
                .query(UUID.class)
                .single();
        UUID repo = world.db
                .sql("INSERT INTO repo_connections (workspace_id, project_id, owner, repo, default_branch)"
                        + " VALUES (:ws, :project, 'acme', 'app', 'develop') RETURNING id")
                .param("ws", workspace)
                .param("project", project)
                .query(UUID.class)
                .single();
        UUID automation = world.db
                .sql("""
                        INSERT INTO automations (workspace_id, project_id, repo_connection_id, name, cron_expression,
                                                 task_template_title, task_template_prompt, permission_mode, config,
                                                 branch_prefix)
                        VALUES (:ws, :project, :repo, 'hourly', '0 * * * *', 'Hourly check', 'Look around', 'yolo',
                                '{"commands":[{"command":"make check"}]}', 'bot/hourly')
                        RETURNING id""")
                .param("ws", workspace)
                .param("project", project)
                .param("repo", repo)
                .query(UUID.class)
                .single();
        startSchedulers(2);

        // First sight: the schedule starts from now, nothing fires.
        await().atMost(PATIENCE)
                .until(() -> Instant.parse("2026-03-02T10:00:00Z").equals(nextRunAt(automation)));
        awaitFreshRounds();
        assertThat(count("automation_fires")).isZero();
        assertThat(count("tasks")).isZero();

        clock.set(Instant.parse("2026-03-02T10:00:20Z"));
        await().atMost(PATIENCE)
                .until(() -> Instant.parse("2026-03-02T11:00:00Z").equals(nextRunAt(automation)));
        clock.set(Instant.parse("2026-03-02T11:00:05Z"));
        await().atMost(PATIENCE)
                .until(() -> Instant.parse("2026-03-02T12:00:00Z").equals(nextRunAt(automation)));
        awaitFreshRounds();

        assertThat(world.db
                        .sql("SELECT fire_time FROM automation_fires ORDER BY fire_time")
                        .query((rs, row) ->
                                rs.getObject(1, OffsetDateTime.class).toInstant())
                        .list())
                .containsExactly(Instant.parse("2026-03-02T10:00:00Z"), Instant.parse("2026-03-02T11:00:00Z"));
        assertThat(count("tasks")).isEqualTo(2);
        assertThat(count("runs")).isEqualTo(2);
        assertThat(world.db
                        .sql("SELECT count(*) FROM automation_fires WHERE task_id IS NOT NULL AND run_id IS NOT NULL")
                        .query(Long.class)
                        .single())
                .isEqualTo(2);
        assertThat(world.db
                        .sql("SELECT last_run_at FROM automations WHERE id = :id")
                        .param("id", automation)
                        .query((rs, row) ->
                                rs.getObject(1, OffsetDateTime.class).toInstant())
                        .single())
                .isEqualTo(Instant.parse("2026-03-02T11:00:00Z"));

        Map<String, Object> task = world.db
                .sql("SELECT * FROM tasks WHERE branch_name = 'bot/hourly/20260302-100000'")
                .query()
                .singleRow();
        assertThat(task.get("automation_id")).isEqualTo(automation);
        assertThat(task.get("project_id")).isEqualTo(project);
        assertThat(task.get("repo_connection_id")).isEqualTo(repo);
        assertThat(task.get("title")).isEqualTo("Hourly check");
        assertThat(task.get("prompt")).isEqualTo("Look around");
        assertThat(task.get("permission_mode")).isEqualTo("yolo");
        assertThat(task.get("base_branch")).isEqualTo("develop");
        assertThat(task.get("status")).isEqualTo("queued");

        Map<String, Object> run = world.db
                .sql("SELECT * FROM runs WHERE task_id = :task")
                .param("task", task.get("id"))
                .query()
                .singleRow();
        assertThat(run.get("status")).isEqualTo("queued");
        assertThat(run.get("attempt")).isEqualTo(1);
        assertThat(run.get("source")).isEqualTo("automation");
        assertThat(run.get("branch_name")).isEqualTo("bot/hourly/20260302-100000");
        assertThat(run.get("base_branch")).isEqualTo("develop");
        assertThat(run.get("config").toString()).contains("make check");

        List<Event> events = world.events((UUID) run.get("id"));
        assertThat(events).extracting(Event::type).containsExactly("run.created", "automation.triggered");
        assertThat(events.get(0).message()).isEqualTo("Run queued by automation hourly");
        assertThat(events.get(0).payload().path("source").asString()).isEqualTo("automation");
        assertThat(events.get(0).payload().path("automationId").asString()).isEqualTo(automation.toString());
        assertThat(events.get(1).payload().path("fireTime").asString()).isEqualTo("2026-03-02T10:00:00Z");
        assertThat(events.get(1).payload().path("taskId").asString())
                .isEqualTo(task.get("id").toString());
    }

    @Test
    void afterDowntimeFiresOnceThenMovesToTheNextFutureTime() {
        UUID automation = automation("catch-up", "*/5 * * * *", Instant.parse("2026-03-02T08:00:00Z"));
        startSchedulers(2);

        // 09:30 is 18 missed fire times after 08:00: one fire, not eighteen.
        await().atMost(PATIENCE)
                .until(() -> Instant.parse("2026-03-02T09:35:00Z").equals(nextRunAt(automation)));
        awaitFreshRounds();
        assertThat(count("automation_fires")).isEqualTo(1);
        assertThat(count("runs")).isEqualTo(1);
        // Without a prefix the task gets no branch name: the runner picks its default.
        assertThat(world.db
                        .sql("SELECT branch_name IS NULL FROM tasks")
                        .query(Boolean.class)
                        .single())
                .isTrue();
    }

    @Test
    void aFireTimeAlreadyTakenIsNotFiredAgainButTheScheduleMovesOn() {
        Instant due = Instant.parse("2026-03-02T09:00:00Z");
        UUID automation = automation("taken", "0 * * * *", due);
        world.db
                .sql("INSERT INTO automation_fires (automation_id, fire_time) VALUES (:id, :at)")
                .param("id", automation)
                .param("at", OffsetDateTime.parse("2026-03-02T09:00:00Z"))
                .update();
        startSchedulers(1);

        await().atMost(PATIENCE)
                .until(() -> Instant.parse("2026-03-02T10:00:00Z").equals(nextRunAt(automation)));
        assertThat(count("tasks")).isZero();
        assertThat(count("automation_fires")).isEqualTo(1);
    }

    @Test
    void anInvalidScheduleDisablesItsAutomationAndTheOthersStillFire() {
        UUID broken = automation("broken", "61 * * * *", Instant.parse("2026-03-02T09:00:00Z"));
        UUID fine = automation("fine", "0 * * * *", Instant.parse("2026-03-02T09:00:00Z"));
        startSchedulers(1);

        await().atMost(PATIENCE)
                .until(() -> Instant.parse("2026-03-02T10:00:00Z").equals(nextRunAt(fine)));
        Map<String, Object> row = world.db
                .sql("SELECT enabled, next_run_at, metadata::text AS metadata" + " FROM automations WHERE id = :id")
                .param("id", broken)
                .query()
                .singleRow();
        assertThat(row.get("enabled")).isEqualTo(false);
        assertThat(row.get("next_run_at")).isNull();
        assertThat((String) row.get("metadata")).contains("disabledByWorker").contains("invalid schedule");
        assertThat(world.db
                        .sql("SELECT count(*) FROM tasks WHERE automation_id = :id")
                        .param("id", fine)
                        .query(Long.class)
                        .single())
                .isEqualTo(1);
    }

    @Test
    void branchNamesUseTheFireTimeInUtc() {
        assertThat(AutomationFires.branchName("nightly", Instant.parse("2026-12-31T23:05:09Z")))
                .isEqualTo("nightly/20261231-230509");
        assertThat(AutomationFires.branchName("nightly/", Instant.parse("2026-12-31T23:05:09Z")))
                .isEqualTo("nightly/20261231-230509");
        assertThat(AutomationFires.branchName(null, Instant.EPOCH)).isNull();
        assertThat(AutomationFires.branchName("  ", Instant.EPOCH)).isNull();
    }

    private UUID automation(String name, String cron, Instant nextRunAt) {
        return world.db
                .sql("""
                        INSERT INTO automations (workspace_id, name, cron_expression, task_template_title, config,
                                                 next_run_at)
                        VALUES (:ws, :name, :cron, 'Check', '{"commands":[{"command":"true"}]}', :next)
                        RETURNING id""")
                .param("ws", workspace)
                .param("name", name)
                .param("cron", cron)
                .param("next", nextRunAt.atOffset(java.time.ZoneOffset.UTC))
                .query(UUID.class)
                .single();
    }

    private void startSchedulers(int count) {
        for (int i = 0; i < count; i++) {
            AutomationScheduler scheduler = new AutomationScheduler(world.db, world.transactions, world.events, clock);
            IntervalLoop loop = new IntervalLoop("automations-" + i, Duration.ofMillis(50), () -> {
                roundsStarted.incrementAndGet();
                try {
                    scheduler.runDue();
                } finally {
                    roundsDone.incrementAndGet();
                }
            });
            loops.add(loop);
            loop.start();
        }
    }

    /**
     * Waits until two rounds per scheduler that began after this call have ended (rounds that began before it are
     * all counted in {@code started}): time enough for a duplicate fire to show.
     */
    private void awaitFreshRounds() {
        long started = roundsStarted.get();
        long needed = started + loops.size() * 2L;
        await().atMost(PATIENCE).until(() -> roundsDone.get() >= needed);
    }

    private Instant nextRunAt(UUID automation) {
        OffsetDateTime next = world.db
                .sql("SELECT next_run_at FROM automations WHERE id = :id")
                .param("id", automation)
                .query((rs, row) -> rs.getObject(1, OffsetDateTime.class))
                .single();
        return next == null ? null : next.toInstant();
    }

    private static long count(String table) {
        return world.db.sql("SELECT count(*) FROM " + table).query(Long.class).single();
    }
}
