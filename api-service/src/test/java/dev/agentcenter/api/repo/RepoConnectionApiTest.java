package dev.agentcenter.api.repo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentcenter.api.ApiTestBase;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Repository connections on a server without {@code CREDENTIAL_ENCRYPTION_KEY} and with an unreachable GitHub (see
 * {@link ApiTestBase}); the GitHub check itself and stored tokens are in {@link RepoConnectionGitHubTest}.
 */
class RepoConnectionApiTest extends ApiTestBase {

    @Test
    void createReadListDeleteRoundTrip() {
        UUID workspace = newWorkspace();
        UUID project = newProject(workspace);
        Answer created = post(
                        "/api/repo-connections",
                        Map.of(
                                "workspaceId",
                                workspace,
                                "projectId",
                                project,
                                "owner",
                                "Acme-Inc",
                                "repo",
                                "shop.web",
                                "defaultBranch",
                                "develop",
                                "metadata",
                                Map.of("note", "main storefront")))
                .expect(201);
        UUID id = created.id();
        JsonNode body = created.body();
        assertThat(created.header("Location")).isEqualTo("/api/repo-connections/" + id);
        assertThat(body.get("workspaceId").asString()).isEqualTo(workspace.toString());
        assertThat(body.get("projectId").asString()).isEqualTo(project.toString());
        assertThat(body.get("provider").asString()).isEqualTo("github");
        assertThat(body.get("owner").asString()).isEqualTo("Acme-Inc");
        assertThat(body.get("repo").asString()).isEqualTo("shop.web");
        assertThat(body.get("defaultBranch").asString()).isEqualTo("develop");
        assertThat(body.get("authType").asString()).isEqualTo("none");
        assertThat(body.get("hasToken").asBoolean()).isFalse();
        assertThat(body.get("metadata").get("note").asString()).isEqualTo("main storefront");
        assertThat(body.has("token")).isFalse();
        assertThat(body.has("tokenCiphertext")).isFalse();

        assertThat(get("/api/repo-connections/" + id).expect(200).body()).isEqualTo(body);

        delete("/api/repo-connections/" + id).expect(204);
        get("/api/repo-connections/" + id).expectProblem(404, "repo_connection_not_found");
        delete("/api/repo-connections/" + id).expectProblem(404, "repo_connection_not_found");
        post("/api/repo-connections/" + id + "/test", null).expectProblem(404, "repo_connection_not_found");
    }

    @Test
    void listsNewestFirstInPagesFilteredByWorkspaceAndProject() {
        UUID workspace = newWorkspace();
        UUID project = newProject(workspace);
        List<String> inWorkspace = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            inWorkspace.add(connect(workspace, null, "acme", "repo-" + i).toString());
        }
        String inProject = connect(workspace, project, "acme", "in-project").toString();
        inWorkspace.add(inProject);
        String elsewhere = connect(newWorkspace(), null, "acme", "repo-0").toString();

        List<String> seen = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            JsonNode page = get("/api/repo-connections?workspaceId=" + workspace + "&limit=3"
                            + (cursor == null ? "" : "&cursor=" + cursor))
                    .expect(200)
                    .body();
            page.get("items").forEach(item -> seen.add(item.get("id").asString()));
            cursor = page.get("nextCursor").isNull()
                    ? null
                    : page.get("nextCursor").asString();
            pages++;
        } while (cursor != null);

        assertThat(pages).isEqualTo(2);
        assertThat(seen).containsExactlyElementsOf(inWorkspace.reversed());
        assertThat(ids(get("/api/repo-connections?projectId=" + project).expect(200)))
                .containsExactly(inProject);
        assertThat(ids(get("/api/repo-connections?workspaceId=" + workspace + "&projectId=" + project)
                        .expect(200)))
                .containsExactly(inProject);
        assertThat(ids(get("/api/repo-connections?limit=200").expect(200))).contains(elsewhere, inProject);
    }

    @Test
    void aRepositoryIsConnectedOncePerWorkspaceWhateverItsCase() {
        UUID workspace = newWorkspace();
        connect(workspace, null, "acme", "shop");
        long before = count("repo_connections");

        post("/api/repo-connections", Map.of("workspaceId", workspace, "owner", "acme", "repo", "shop"))
                .expectProblem(409, "repo_connection_exists");
        post("/api/repo-connections", Map.of("workspaceId", workspace, "owner", "Acme", "repo", "Shop"))
                .expectProblem(409, "repo_connection_exists");
        post("/api/repo-connections", Map.of("workspaceId", workspace, "owner", "ACME", "repo", "shop"))
                .expectProblem(409, "repo_connection_exists");

        assertThat(count("repo_connections")).isEqualTo(before);
        connect(newWorkspace(), null, "Acme", "Shop");
    }

    @Test
    void referencesMustExistAndStayInTheWorkspace() {
        UUID workspace = newWorkspace();
        UUID foreignProject = newProject(newWorkspace());
        long before = count("repo_connections");

        post("/api/repo-connections", Map.of("workspaceId", UUID.randomUUID(), "owner", "acme", "repo", "x"))
                .expectProblem(404, "workspace_not_found");
        post(
                        "/api/repo-connections",
                        Map.of("workspaceId", workspace, "projectId", UUID.randomUUID(), "owner", "acme", "repo", "x"))
                .expectProblem(404, "project_not_found");
        post(
                        "/api/repo-connections",
                        Map.of("workspaceId", workspace, "projectId", foreignProject, "owner", "acme", "repo", "x"))
                .expectProblem(409, "project_not_in_workspace");
        get("/api/repo-connections?workspaceId=" + UUID.randomUUID()).expectProblem(404, "workspace_not_found");
        get("/api/repo-connections?projectId=" + UUID.randomUUID()).expectProblem(404, "project_not_found");

        assertThat(count("repo_connections")).isEqualTo(before);
    }

    @Test
    void aTokenNeedsAnEncryptionKeyAndNothingIsWrittenWithoutOne() {
        UUID workspace = newWorkspace();
        long before = count("repo_connections");

        Answer refused = post(
                        "/api/repo-connections",
                        Map.of(
                                "workspaceId",
                                workspace,
                                "owner",
                                "acme",
                                "repo",
                                "private",
                                "token",
                                "ghp_plaintext42"))
                .expectProblem(422, "encryption_key_missing");
        assertThat(refused.body().get("detail").asString()).contains("CREDENTIAL_ENCRYPTION_KEY");
        assertThat(refused.raw().body()).doesNotContain("ghp_plaintext42");
        assertThat(count("repo_connections")).isEqualTo(before);

        JsonNode withoutToken = post(
                        "/api/repo-connections", Map.of("workspaceId", workspace, "owner", "acme", "repo", "private"))
                .expect(201)
                .body();
        assertThat(withoutToken.get("hasToken").asBoolean()).isFalse();
        assertThat(withoutToken.get("authType").asString()).isEqualTo("none");
    }

    @Test
    void anUnreachableGitHubIsAResultNotAnError() {
        UUID id = connect(newWorkspace(), null, "acme", "shop");

        JsonNode result =
                post("/api/repo-connections/" + id + "/test", null).expect(200).body();

        assertThat(result.get("ok").asBoolean()).isFalse();
        assertThat(result.get("code").asString()).isEqualTo("github_unreachable");
        assertThat(result.get("status").isNull()).isTrue();
        assertThat(result.get("message").asString()).contains("Could not reach GitHub at http://127.0.0.1:1");
        assertThat(result.get("repository").isNull()).isTrue();
        assertThat(result.get("checkedAt").asString()).endsWith("Z");
    }

    @Test
    void badInputGetsPreciseProblemsAndWritesNothing() {
        UUID workspace = newWorkspace();
        long before = count("repo_connections");

        post("/api/repo-connections", "{\"owner\": \"acme\"").expectProblem(400, "malformed_json");
        post("/api/repo-connections", null).expectProblem(400, "missing_body");
        assertThat(fields(post("/api/repo-connections", Map.of()).expectProblem(400, "validation_failed")))
                .containsExactlyInAnyOrder("owner", "repo", "workspaceId");
        expectInvalid(valid(workspace, "colour", "red"), "colour");
        expectInvalid(valid(workspace, "owner", 5), "owner");
        expectInvalid(valid(workspace, "workspaceId", "not-a-uuid"), "workspaceId");
        expectInvalid(valid(workspace, "projectId", "not-a-uuid"), "projectId");
        expectInvalid(valid(workspace, "provider", "gitlab"), "provider");
        expectInvalid(valid(workspace, "metadata", "text"), "metadata");
        expectInvalid(valid(workspace, "metadata", Map.of("accessToken", "ghp_x")), "metadata.accessToken");
        expectInvalid(valid(workspace, "token", "   "), "token");
        expectInvalid(valid(workspace, "token", 12345), "token");
        for (String owner : List.of("bad owner", "acme/shop", "..", "", "ü")) {
            expectInvalid(valid(workspace, "owner", owner), "owner");
        }
        for (String repo : List.of("..", ".", "a/b", "a b", "shop?x=1", "x".repeat(101))) {
            expectInvalid(valid(workspace, "repo", repo), "repo");
        }
        for (String branch : List.of("-rf", "a..b", "/main", "")) {
            expectInvalid(valid(workspace, "defaultBranch", branch), "defaultBranch");
        }

        get("/api/repo-connections/not-a-uuid").expectProblem(400, "invalid_parameter");
        delete("/api/repo-connections/not-a-uuid").expectProblem(400, "invalid_parameter");
        post("/api/repo-connections/not-a-uuid/test", null).expectProblem(400, "invalid_parameter");
        get("/api/repo-connections?workspaceId=nope").expectProblem(400, "invalid_parameter");
        get("/api/repo-connections?projectId=nope").expectProblem(400, "invalid_parameter");
        get("/api/repo-connections?cursor=garbage").expectProblem(400, "validation_failed");
        // Only the concurrency limit can be changed: the repository and its token stay as created.
        send("PATCH", "/api/repo-connections/" + UUID.randomUUID(), Map.of("repo", "x"))
                .expectProblem(400, "validation_failed");

        assertThat(count("repo_connections")).isEqualTo(before);
    }

    private void expectInvalid(Map<String, Object> body, String field) {
        Answer answer = post("/api/repo-connections", body).expectProblem(400, "validation_failed");
        assertThat(fields(answer)).as("fields of %s", answer.raw().body()).contains(field);
    }

    private static Map<String, Object> valid(UUID workspace, String key, Object value) {
        Map<String, Object> body = new HashMap<>(Map.of("workspaceId", workspace, "owner", "acme", "repo", "shop"));
        body.put(key, value);
        return body;
    }

    private UUID connect(UUID workspace, UUID project, String owner, String repo) {
        Map<String, Object> body = new HashMap<>(Map.of("workspaceId", workspace, "owner", owner, "repo", repo));
        if (project != null) {
            body.put("projectId", project);
        }
        return post("/api/repo-connections", body).expect(201).id();
    }

    private UUID newProject(UUID workspace) {
        return post("/api/projects", Map.of("workspaceId", workspace, "slug", unique("p"), "name", "P"))
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

    private static List<String> fields(Answer answer) {
        return answer.body()
                .get("errors")
                .valueStream()
                .map(e -> e.get("field").asString())
                .toList();
    }
}
