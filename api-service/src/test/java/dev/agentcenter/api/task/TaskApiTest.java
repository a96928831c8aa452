package dev.agentcenter.api.task;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentcenter.api.ApiTestBase;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class TaskApiTest extends ApiTestBase {

    private Map<String, Object> task(UUID workspaceId, String title) {
        return Map.of(
                "workspaceId",
                workspaceId,
                "title",
                title,
                "prompt",
                "Say hi",
                "config",
                Map.of("commands", List.of(Map.of("command", "echo hi", "timeoutSeconds", 30))));
    }

    @Test
    void createReadUpdateArchiveRoundTrip() {
        UUID workspace = newWorkspace();
        Answer created = post("/api/tasks", task(workspace, "Greet")).expect(201);
        UUID id = created.id();
        JsonNode body = created.body();
        assertThat(body.get("status").asString())
                .as("creating does not start it")
                .isEqualTo("pending");
        assertThat(body.get("permissionMode").asString()).isEqualTo("safe");
        assertThat(body.get("latestRun").isNull()).isTrue();
        assertThat(body.get("config").get("commands").get(0).get("command").asString())
                .isEqualTo("echo hi");
        assertThat(count("runs WHERE task_id = '" + id + "'")).isZero();

        assertThat(get("/api/tasks/" + id).expect(200).body().get("title").asString())
                .isEqualTo("Greet");

        JsonNode updated = patch("/api/tasks/" + id, Map.of("title", "Greet loudly", "permissionMode", "yolo"))
                .expect(200)
                .body();
        assertThat(updated.get("title").asString()).isEqualTo("Greet loudly");
        assertThat(updated.get("permissionMode").asString()).isEqualTo("yolo");
        assertThat(updated.get("prompt").asString()).isEqualTo("Say hi");

        patch("/api/tasks/" + id, Map.of("archived", true)).expect(200);
        assertThat(ids(get("/api/tasks?workspaceId=" + workspace).expect(200))).doesNotContain(id.toString());
        assertThat(ids(get("/api/tasks?workspaceId=" + workspace + "&archived=only")
                        .expect(200)))
                .containsExactly(id.toString());
        patch("/api/tasks/" + id, Map.of("archived", false)).expect(200);
        assertThat(ids(get("/api/tasks?workspaceId=" + workspace).expect(200))).containsExactly(id.toString());
    }

    @Test
    void listsNewestFirstAndFiltersByStatus() {
        UUID workspace = newWorkspace();
        UUID first = post("/api/tasks", task(workspace, "first")).expect(201).id();
        UUID second = post("/api/tasks", task(workspace, "second")).expect(201).id();
        post("/api/runs", Map.of("taskId", first)).expect(201);

        assertThat(ids(get("/api/tasks?workspaceId=" + workspace).expect(200)))
                .containsExactly(second.toString(), first.toString());
        assertThat(ids(get("/api/tasks?workspaceId=" + workspace + "&status=queued")
                        .expect(200)))
                .containsExactly(first.toString());
        assertThat(ids(get("/api/tasks?workspaceId=" + workspace + "&status=pending")
                        .expect(200)))
                .containsExactly(second.toString());
        get("/api/tasks?status=sleeping").expectProblem(400, "validation_failed");
        get("/api/tasks?archived=maybe").expectProblem(400, "validation_failed");
        get("/api/tasks?workspaceId=nope").expectProblem(400, "invalid_parameter");
    }

    @Test
    void referencesMustExistAndStayInsideTheWorkspace() {
        UUID workspace = newWorkspace();
        UUID other = newWorkspace();
        UUID foreignProject = db.sql(
                        "INSERT INTO projects (workspace_id, slug, name) VALUES (:w, 'p', 'P') RETURNING id")
                .param("w", other)
                .query(UUID.class)
                .single();
        long before = count("tasks");

        post("/api/tasks", Map.of("workspaceId", UUID.randomUUID(), "title", "t"))
                .expectProblem(404, "workspace_not_found");
        post("/api/tasks", Map.of("workspaceId", workspace, "title", "t", "projectId", UUID.randomUUID()))
                .expectProblem(404, "project_not_found");
        post("/api/tasks", Map.of("workspaceId", workspace, "title", "t", "projectId", foreignProject))
                .expectProblem(409, "project_not_in_workspace");
        post("/api/tasks", Map.of("workspaceId", workspace, "title", "t", "repoConnectionId", UUID.randomUUID()))
                .expectProblem(404, "repo_connection_not_found");

        assertThat(count("tasks")).isEqualTo(before);
    }

    @Test
    void badInputIsRefusedAndWritesNothing() {
        UUID workspace = newWorkspace();
        long before = count("tasks");

        post("/api/tasks", Map.of("workspaceId", workspace, "title", "t", "permissionMode", "reckless"))
                .expectProblem(400, "validation_failed");
        Answer nested = post(
                        "/api/tasks",
                        Map.of(
                                "workspaceId",
                                workspace,
                                "title",
                                "t",
                                "config",
                                Map.of("commands", List.of(Map.of("comand", "echo typo")))))
                .expectProblem(400, "validation_failed");
        assertThat(nested.body().get("errors").get(0).get("field").asString()).isEqualTo("config.commands[0].comand");
        post(
                        "/api/tasks",
                        Map.of(
                                "workspaceId",
                                workspace,
                                "title",
                                "t",
                                "config",
                                Map.of("commands", List.of(Map.of("command", "x", "timeoutSeconds", "soon")))))
                .expectProblem(400, "validation_failed");
        Answer blank = post(
                        "/api/tasks",
                        Map.of(
                                "workspaceId",
                                workspace,
                                "title",
                                " ",
                                "config",
                                Map.of("commands", List.of(Map.of("command", "", "timeoutSeconds", -1)))))
                .expectProblem(400, "validation_failed");
        assertThat(blank.body()
                        .get("errors")
                        .valueStream()
                        .map(e -> e.get("field").asString()))
                .contains("title", "config.commands[0].command", "config.commands[0].timeoutSeconds");
        post("/api/tasks", Map.of("workspaceId", "not-a-uuid", "title", "t")).expectProblem(400, "validation_failed");
        post(
                        "/api/tasks",
                        Map.of(
                                "workspaceId",
                                workspace,
                                "title",
                                "t",
                                "config",
                                Map.of("agent", Map.of("provider", "gpt"))))
                .expectProblem(400, "validation_failed");

        get("/api/tasks/" + UUID.randomUUID()).expectProblem(404, "task_not_found");
        patch("/api/tasks/" + UUID.randomUUID(), Map.of("title", "x")).expectProblem(404, "task_not_found");
        get("/api/tasks/" + UUID.randomUUID() + "/runs").expectProblem(404, "task_not_found");
        get("/api/tasks/1234/runs").expectProblem(400, "invalid_parameter");

        assertThat(count("tasks")).isEqualTo(before);
    }

    private static List<String> ids(Answer answer) {
        return answer.body()
                .get("items")
                .valueStream()
                .map(t -> t.get("id").asString())
                .toList();
    }
}
