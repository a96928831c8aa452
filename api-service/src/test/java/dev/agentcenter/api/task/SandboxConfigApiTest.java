package dev.agentcenter.api.task;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentcenter.api.ApiTestBase;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** {@code config.sandbox} (issue 14): stored as given when valid, refused with a field error otherwise. */
class SandboxConfigApiTest extends ApiTestBase {

    @Test
    void aValidSandboxConfigIsStoredAndReturned() {
        UUID workspace = newWorkspace();
        Map<String, Object> sandbox = Map.of(
                "required", true, "network", "allowlist", "allowedHosts", List.of("registry.npmjs.org", "*.pypi.org"));

        UUID id = post("/api/tasks", task(workspace, sandbox)).expect(201).id();

        JsonNode stored =
                get("/api/tasks/" + id).expect(200).body().get("config").get("sandbox");
        assertThat(stored.get("required").asBoolean()).isTrue();
        assertThat(stored.get("network").asString()).isEqualTo("allowlist");
        assertThat(stored.get("allowedHosts").valueStream().map(JsonNode::asString))
                .containsExactly("registry.npmjs.org", "*.pypi.org");
        String json = db.sql("SELECT config::text FROM tasks WHERE id = :id")
                .param("id", id)
                .query(String.class)
                .single();
        assertThat(json).contains("\"sandbox\"").doesNotContain("requiresSandbox");
    }

    @Test
    void badSandboxConfigIsRefusedWithTheFieldAndWritesNothing() {
        UUID workspace = newWorkspace();
        long before = count("tasks");

        post("/api/tasks", task(workspace, Map.of("network", "open"))).expectProblem(400, "validation_failed");
        post("/api/tasks", task(workspace, Map.of("required", "maybe"))).expectProblem(400, "validation_failed");
        post("/api/tasks", task(workspace, Map.of("isolated", true))).expectProblem(400, "validation_failed");
        Answer hosts = post(
                        "/api/tasks",
                        task(
                                workspace,
                                Map.of("network", "allowlist", "allowedHosts", List.of("ok.example", "no spaces"))))
                .expectProblem(400, "validation_failed");
        assertThat(hosts.body()
                        .get("errors")
                        .valueStream()
                        .map(e -> e.get("field").asString()))
                .anyMatch(field -> field.startsWith("config.sandbox.allowedHosts"));
        Answer withoutAllowlist = post(
                        "/api/tasks", task(workspace, Map.of("network", "full", "allowedHosts", List.of("a.example"))))
                .expectProblem(400, "validation_failed");
        assertThat(withoutAllowlist.body().toString()).contains("allowlist");

        assertThat(count("tasks")).isEqualTo(before);
    }

    private static Map<String, Object> task(UUID workspace, Map<String, Object> sandbox) {
        return Map.of(
                "workspaceId",
                workspace,
                "title",
                "sandboxed",
                "config",
                Map.of("commands", List.of(Map.of("command", "true")), "sandbox", sandbox));
    }
}
