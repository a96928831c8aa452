package dev.agentcenter.api.workspace;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentcenter.api.ApiTestBase;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** {@code maxConcurrentRuns} on workspaces and repository connections, and the {@code waitingFor} of queued runs. */
class ConcurrencyLimitApiTest extends ApiTestBase {

    @Test
    void workspaceLimitIsSetShownAndRemoved() {
        UUID workspace = newWorkspace();
        assertThat(get("/api/workspaces/" + workspace)
                        .expect(200)
                        .body()
                        .get("maxConcurrentRuns")
                        .isNull())
                .isTrue();

        JsonNode limited = patch("/api/workspaces/" + workspace, Map.of("maxConcurrentRuns", 2))
                .expect(200)
                .body();
        assertThat(limited.get("maxConcurrentRuns").asInt()).isEqualTo(2);
        assertThat(limit("workspaces", workspace)).isEqualTo(2);
        // Other changes leave the limit alone; 0 removes it.
        patch("/api/workspaces/" + workspace, Map.of("name", "Renamed")).expect(200);
        assertThat(limit("workspaces", workspace)).isEqualTo(2);
        JsonNode unlimited = patch("/api/workspaces/" + workspace, Map.of("maxConcurrentRuns", 0))
                .expect(200)
                .body();
        assertThat(unlimited.get("maxConcurrentRuns").isNull()).isTrue();
        assertThat(limit("workspaces", workspace)).isNull();
    }

    @Test
    void repositoryConnectionLimitIsSetShownAndRemoved() {
        UUID workspace = newWorkspace();
        UUID connection = post(
                        "/api/repo-connections",
                        Map.of("workspaceId", workspace.toString(), "owner", "acme", "repo", unique("app")))
                .expect(201)
                .id();

        JsonNode limited = patch("/api/repo-connections/" + connection, Map.of("maxConcurrentRuns", 1))
                .expect(200)
                .body();
        assertThat(limited.get("maxConcurrentRuns").asInt()).isEqualTo(1);
        assertThat(get("/api/repo-connections/" + connection)
                        .expect(200)
                        .body()
                        .get("maxConcurrentRuns")
                        .asInt())
                .isEqualTo(1);
        patch("/api/repo-connections/" + connection, Map.of("maxConcurrentRuns", 0))
                .expect(200);
        assertThat(limit("repo_connections", connection)).isNull();
    }

    @Test
    void badLimitsAreProblemsAndChangeNothing() {
        UUID workspace = newWorkspace();
        patch("/api/workspaces/" + workspace, Map.of("maxConcurrentRuns", 3)).expect(200);
        UUID connection = post(
                        "/api/repo-connections",
                        Map.of("workspaceId", workspace.toString(), "owner", "acme", "repo", unique("app")))
                .expect(201)
                .id();

        for (Object bad : new Object[] {-1, 10_001, "two", 1.5}) {
            patch("/api/workspaces/" + workspace, Map.of("maxConcurrentRuns", bad))
                    .expectProblem(400, "validation_failed");
            patch("/api/repo-connections/" + connection, Map.of("maxConcurrentRuns", bad))
                    .expectProblem(400, "validation_failed");
        }
        patch("/api/repo-connections/" + connection, Map.of()).expectProblem(400, "validation_failed");
        patch("/api/repo-connections/" + UUID.randomUUID(), Map.of("maxConcurrentRuns", 1))
                .expectProblem(404, "repo_connection_not_found");
        assertThat(limit("workspaces", workspace)).isEqualTo(3);
        assertThat(limit("repo_connections", connection)).isNull();
    }

    @Test
    void aQueuedRunSaysWhatItWaitsFor() {
        UUID workspace = newWorkspace();
        UUID task = db.sql("INSERT INTO tasks (workspace_id, title) VALUES (:ws, 't') RETURNING id")
                .param("ws", workspace)
                .query(UUID.class)
                .single();
        UUID run = db.sql("""
                        INSERT INTO runs (task_id, attempt, status, permission_mode, waiting_for)
                        VALUES (:task, 1, 'queued', 'safe', 'workspace_limit') RETURNING id""").param("task", task).query(UUID.class).single();

        assertThat(get("/api/runs/" + run).expect(200).body().get("waitingFor").asString())
                .isEqualTo("workspace_limit");
        JsonNode listed =
                get("/api/runs?taskId=" + task).expect(200).body().get("items").get(0);
        assertThat(listed.get("waitingFor").asString()).isEqualTo("workspace_limit");

        // A reason left behind on a run that has moved on is not shown.
        db.sql("UPDATE runs SET status = 'cancelled', finished_at = now() WHERE id = :id")
                .param("id", run)
                .update();
        assertThat(get("/api/runs/" + run).expect(200).body().get("waitingFor").isNull())
                .isTrue();
    }

    @Test
    void theQueueListsQueuedRunsInClaimOrderWithTheirReasons() {
        UUID workspace = newWorkspace();
        UUID later = queuedRun(workspace, "now() - interval '1 minute'", "runner_capacity");
        UUID earlier = queuedRun(workspace, "now() - interval '2 minutes'", "workspace_limit");
        UUID elsewhere = queuedRun(newWorkspace(), "now() - interval '3 minutes'", null);

        JsonNode items = get("/api/runs/queue?workspaceId=" + workspace)
                .expect(200)
                .body()
                .get("items");
        assertThat(items.valueStream().map(r -> r.get("id").asString()))
                .containsExactly(earlier.toString(), later.toString());
        assertThat(items.get(0).get("waitingFor").asString()).isEqualTo("workspace_limit");
        assertThat(items.get(1).get("waitingFor").asString()).isEqualTo("runner_capacity");
        assertThat(get("/api/runs/queue")
                        .expect(200)
                        .body()
                        .get("items")
                        .valueStream()
                        .map(r -> r.get("id").asString()))
                .contains(elsewhere.toString());
        get("/api/runs/queue?limit=0").expectProblem(400, "validation_failed");
        get("/api/runs/queue?limit=501").expectProblem(400, "validation_failed");
    }

    private UUID queuedRun(UUID workspace, String queuedAt, String waitingFor) {
        UUID task = db.sql("INSERT INTO tasks (workspace_id, title) VALUES (:ws, 't') RETURNING id")
                .param("ws", workspace)
                .query(UUID.class)
                .single();
        return db.sql("INSERT INTO runs (task_id, attempt, status, permission_mode, waiting_for, queued_at)"
                        + " VALUES (:task, 1, 'queued', 'safe', :waiting, " + queuedAt + ") RETURNING id")
                .param("task", task)
                .param("waiting", waitingFor, java.sql.Types.VARCHAR)
                .query(UUID.class)
                .single();
    }

    private Integer limit(String table, UUID id) {
        return (Integer) db.sql("SELECT max_concurrent_runs FROM " + table + " WHERE id = :id")
                .param("id", id)
                .query()
                .singleRow()
                .get("max_concurrent_runs");
    }
}
