package dev.agentcenter.api.project;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentcenter.api.ApiTestBase;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

class ProjectApiTest extends ApiTestBase {

    @Autowired
    ProjectStore store;

    @Test
    void createReadUpdateDeleteRoundTrip() {
        UUID workspace = newWorkspace();
        String slug = unique("web");
        Answer created = post(
                        "/api/projects",
                        Map.of(
                                "workspaceId",
                                workspace,
                                "slug",
                                slug,
                                "name",
                                " Web app ",
                                "description",
                                "The storefront",
                                "metadata",
                                Map.of("team", "shop")))
                .expect(201);
        UUID id = created.id();
        JsonNode body = created.body();
        assertThat(created.header("Location")).isEqualTo("/api/projects/" + id);
        assertThat(body.get("workspaceId").asString()).isEqualTo(workspace.toString());
        assertThat(body.get("name").asString()).isEqualTo("Web app");
        assertThat(body.get("defaultBranch").asString()).as("default branch").isEqualTo("main");
        assertThat(body.get("rootDirectory").isNull()).isTrue();
        assertThat(body.get("metadata").get("team").asString()).isEqualTo("shop");
        assertThat(body.get("createdAt").asString()).endsWith("Z");

        assertThat(get("/api/projects/" + id).expect(200).body().get("slug").asString())
                .isEqualTo(slug);
        assertThat(ids(get("/api/projects?workspaceId=" + workspace).expect(200)))
                .containsExactly(id.toString());

        JsonNode updated = patch(
                        "/api/projects/" + id,
                        Map.of(
                                "name",
                                "Web",
                                "description",
                                "",
                                "defaultBranch",
                                "release/2.x",
                                "rootDirectory",
                                "apps/web"))
                .expect(200)
                .body();
        assertThat(updated.get("name").asString()).isEqualTo("Web");
        assertThat(updated.get("description").isNull())
                .as("empty string clears")
                .isTrue();
        assertThat(updated.get("defaultBranch").asString()).isEqualTo("release/2.x");
        assertThat(updated.get("rootDirectory").asString()).isEqualTo("apps/web");
        assertThat(updated.get("slug").asString()).as("untouched field kept").isEqualTo(slug);
        assertThat(updated.get("metadata").get("team").asString()).isEqualTo("shop");
        assertThat(Instant.parse(updated.get("updatedAt").asString()))
                .isAfterOrEqualTo(Instant.parse(body.get("updatedAt").asString()));

        JsonNode cleared = patch("/api/projects/" + id, Map.of("rootDirectory", ""))
                .expect(200)
                .body();
        assertThat(cleared.get("rootDirectory").isNull()).isTrue();
        assertThat(store.workspaceOf(id)).contains(workspace);

        delete("/api/projects/" + id).expect(204);
        get("/api/projects/" + id).expectProblem(404, "project_not_found");
        patch("/api/projects/" + id, Map.of("name", "x")).expectProblem(404, "project_not_found");
        delete("/api/projects/" + id).expectProblem(404, "project_not_found");
        assertThat(store.workspaceOf(id)).isEmpty();
    }

    @Test
    void listsNewestFirstInPagesAndFiltersByWorkspace() {
        UUID workspace = newWorkspace();
        UUID other = newWorkspace();
        List<String> createdIds = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            createdIds.add(newProject(workspace, unique("p")).toString());
        }
        String elsewhere = newProject(other, unique("p")).toString();

        List<String> seen = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            JsonNode page = get("/api/projects?workspaceId=" + workspace + "&limit=2"
                            + (cursor == null ? "" : "&cursor=" + cursor))
                    .expect(200)
                    .body();
            page.get("items").forEach(item -> seen.add(item.get("id").asString()));
            cursor = page.get("nextCursor").isNull()
                    ? null
                    : page.get("nextCursor").asString();
            pages++;
        } while (cursor != null);

        assertThat(pages).isEqualTo(3);
        assertThat(seen).as("newest first, each once").containsExactlyElementsOf(createdIds.reversed());
        assertThat(ids(get("/api/projects?limit=200").expect(200))).contains(elsewhere, createdIds.get(0));
    }

    @Test
    void aProjectNeedsAnExistingWorkspace() {
        long before = count("projects");
        UUID missing = UUID.randomUUID();

        post("/api/projects", Map.of("workspaceId", missing, "slug", unique("p"), "name", "P"))
                .expectProblem(404, "workspace_not_found");
        get("/api/projects?workspaceId=" + missing).expectProblem(404, "workspace_not_found");

        assertThat(count("projects")).isEqualTo(before);
    }

    @Test
    void slugIsUniquePerWorkspace() {
        UUID workspace = newWorkspace();
        String slug = unique("dup");
        newProject(workspace, slug);
        UUID second = newProject(workspace, unique("second"));
        long before = count("projects");

        post("/api/projects", Map.of("workspaceId", workspace, "slug", slug, "name", "Again"))
                .expectProblem(409, "project_slug_taken");
        patch("/api/projects/" + second, Map.of("slug", slug)).expectProblem(409, "project_slug_taken");

        assertThat(count("projects")).isEqualTo(before);
        assertThat(get("/api/projects/" + second).body().get("slug").asString()).isNotEqualTo(slug);
        newProject(newWorkspace(), slug);
    }

    @Test
    void deletingAProjectDeletesItsRepositoriesAndDeletingItsWorkspaceDeletesIt() {
        UUID workspace = newWorkspace();
        UUID project = newProject(workspace, unique("p"));
        UUID connection = post(
                        "/api/repo-connections",
                        Map.of("workspaceId", workspace, "projectId", project, "owner", "acme", "repo", "shop"))
                .expect(201)
                .id();

        delete("/api/projects/" + project).expect(204);
        get("/api/repo-connections/" + connection).expectProblem(404, "repo_connection_not_found");

        UUID kept = newProject(workspace, unique("p"));
        delete("/api/workspaces/" + workspace).expect(204);
        get("/api/projects/" + kept).expectProblem(404, "project_not_found");
    }

    @Test
    void badInputGetsPreciseProblemsAndWritesNothing() {
        UUID workspace = newWorkspace();
        UUID project = newProject(workspace, unique("p"));
        long before = count("projects");

        post("/api/projects", "{\"workspaceId\": ").expectProblem(400, "malformed_json");
        post("/api/projects", null).expectProblem(400, "missing_body");
        assertThat(field(post("/api/projects", valid(workspace, "colour", "red"))
                        .expectProblem(400, "validation_failed")))
                .isEqualTo("colour");
        Answer wrongType = post("/api/projects", valid(workspace, "name", 42)).expectProblem(400, "validation_failed");
        assertThat(field(wrongType)).isEqualTo("name");
        assertThat(wrongType.body().get("errors").get(0).get("message").asString())
                .isEqualTo("must be a string");
        Answer badWorkspace = post("/api/projects", valid(workspace, "workspaceId", "not-a-uuid"))
                .expectProblem(400, "validation_failed");
        assertThat(field(badWorkspace)).isEqualTo("workspaceId");
        assertThat(badWorkspace.body().get("errors").get(0).get("message").asString())
                .isEqualTo("must be a UUID");
        assertThat(field(post("/api/projects", valid(workspace, "slug", "Not A Slug"))
                        .expectProblem(400, "validation_failed")))
                .isEqualTo("slug");
        assertThat(fields(post("/api/projects", Map.of()).expectProblem(400, "validation_failed")))
                .containsExactly("name", "slug", "workspaceId");
        for (String branch : List.of("-rf", "a..b", "feature/", "a b", "", "x.lock")) {
            assertThat(field(post("/api/projects", valid(workspace, "defaultBranch", branch))
                            .expectProblem(400, "validation_failed")))
                    .as("branch %s", branch)
                    .isEqualTo("defaultBranch");
        }
        for (String root : List.of("../outside", "/etc", "a/../../b", "~/x")) {
            assertThat(field(post("/api/projects", valid(workspace, "rootDirectory", root))
                            .expectProblem(400, "validation_failed")))
                    .as("root %s", root)
                    .isEqualTo("rootDirectory");
        }
        post("/api/projects", valid(workspace, "metadata", List.of(1))).expectProblem(400, "validation_failed");

        get("/api/projects/not-a-uuid").expectProblem(400, "invalid_parameter");
        patch("/api/projects/not-a-uuid", Map.of("name", "x")).expectProblem(400, "invalid_parameter");
        delete("/api/projects/not-a-uuid").expectProblem(400, "invalid_parameter");
        get("/api/projects?workspaceId=nope").expectProblem(400, "invalid_parameter");
        get("/api/projects?limit=201").expectProblem(400, "validation_failed");
        patch("/api/projects/" + project, Map.of()).expectProblem(400, "validation_failed");
        patch("/api/projects/" + project, Map.of("slug", "BAD")).expectProblem(400, "validation_failed");
        patch("/api/projects/" + project, Map.of("name", "  ")).expectProblem(400, "validation_failed");
        patch("/api/projects/" + project, Map.of("defaultBranch", "")).expectProblem(400, "validation_failed");
        patch("/api/projects/" + project, Map.of("rootDirectory", "../x")).expectProblem(400, "validation_failed");
        patch("/api/projects/" + project, Map.of("workspaceId", UUID.randomUUID()))
                .expectProblem(400, "validation_failed");
        patch("/api/projects/" + UUID.randomUUID(), Map.of("name", "x")).expectProblem(404, "project_not_found");

        assertThat(count("projects")).isEqualTo(before);
        JsonNode unchanged = get("/api/projects/" + project).expect(200).body();
        assertThat(unchanged.get("defaultBranch").asString()).isEqualTo("main");
        assertThat(unchanged.get("rootDirectory").isNull()).isTrue();
    }

    private Map<String, Object> valid(UUID workspace, String key, Object value) {
        Map<String, Object> body = new HashMap<>(Map.of("workspaceId", workspace, "slug", unique("p"), "name", "P"));
        body.put(key, value);
        return body;
    }

    private UUID newProject(UUID workspace, String slug) {
        return post("/api/projects", Map.of("workspaceId", workspace, "slug", slug, "name", "Project " + slug))
                .expect(201)
                .id();
    }

    private static List<String> ids(Answer answer) {
        return answer.body()
                .get("items")
                .valueStream()
                .map(item -> item.get("id").asString())
                .toList();
    }

    private static String field(Answer answer) {
        return answer.body().get("errors").get(0).get("field").asString();
    }

    private static List<String> fields(Answer answer) {
        return answer.body()
                .get("errors")
                .valueStream()
                .map(e -> e.get("field").asString())
                .toList();
    }
}
