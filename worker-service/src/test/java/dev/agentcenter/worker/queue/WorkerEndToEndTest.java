package dev.agentcenter.worker.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agentcenter.support.DatabaseSettings;
import dev.agentcenter.testing.TestDatabase;
import java.io.IOException;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The whole worker application: a run inserted as {@code queued} reaches the (fake) runner through the worker's own
 * wiring. The poll interval is a minute, so a dispatch within the test's patience was woken by {@code NOTIFY}.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "agent-center.worker.poll-interval=60000",
            "agent-center.worker.lease-sweep-interval=60000",
            "agent-center.worker.automation-interval=60000",
            "agent-center.worker.runner-internal-token=e2e-token",
            "server.address=127.0.0.1"
        })
class WorkerEndToEndTest {

    private static final DatabaseSettings DATABASE = TestDatabase.shared().freshDatabase();
    private static final FakeRunner RUNNER;

    static {
        try {
            RUNNER = new FakeRunner();
        } catch (IOException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @Autowired
    JdbcClient db;

    @Autowired
    DispatchLoop loop;

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        registry.add("spring.datasource.url", DATABASE::jdbcUrl);
        registry.add("spring.datasource.username", DATABASE::username);
        registry.add("spring.datasource.password", () -> DATABASE.password() == null ? "" : DATABASE.password());
    }

    @AfterAll
    static void stopRunner() {
        RUNNER.close();
    }

    @Test
    void aQueuedRunIsDispatchedOnceAsSoonAsItIsQueued() {
        db.sql("INSERT INTO runners (name, base_url, capacity) VALUES ('local', :url, 2)")
                .param("url", RUNNER.baseUrl())
                .update();
        await().atMost(Duration.ofSeconds(60)).until(() -> loop.listening() && loop.rounds() >= 1);

        UUID workspace = db.sql("INSERT INTO workspaces (slug, name) VALUES ('e2e', 'E2E') RETURNING id")
                .query(UUID.class)
                .single();
        UUID task = db.sql("INSERT INTO tasks (workspace_id, title) VALUES (:ws, 'hello') RETURNING id")
                .param("ws", workspace)
                .query(UUID.class)
                .single();
        UUID run = db.sql("INSERT INTO runs (task_id, attempt, permission_mode) VALUES (:task, 1, 'safe') RETURNING id")
                .param("task", task)
                .query(UUID.class)
                .single();

        await().atMost(Duration.ofSeconds(30)).until(() -> RUNNER.requestsFor(run) == 1);
        FakeRunner.Received request = RUNNER.received().getFirst();
        assertThat(request.authorization()).isEqualTo("Bearer e2e-token");
        assertThat(request.body().path("runId").asString()).isEqualTo(run.toString());
        assertThat(request.body().path("attempt").asInt()).isEqualTo(1);
        assertThat(request.body().path("leaseToken").asString())
                .isEqualTo(db.sql("SELECT lease_token::text FROM runs WHERE id = :id")
                        .param("id", run)
                        .query(String.class)
                        .single());
        assertThat(db.sql("SELECT status FROM runs WHERE id = :id")
                        .param("id", run)
                        .query(String.class)
                        .single())
                .isEqualTo("provisioning");
        assertThat(db.sql("SELECT status FROM tasks WHERE id = :id")
                        .param("id", task)
                        .query(String.class)
                        .single())
                .isEqualTo("running");
        assertThat(db.sql("SELECT count(*) FROM run_events WHERE run_id = :id AND event_type = 'run.status_changed'")
                        .param("id", run)
                        .query(Long.class)
                        .single())
                .isEqualTo(1);
        assertThat(RUNNER.received()).hasSize(1);
    }
}
