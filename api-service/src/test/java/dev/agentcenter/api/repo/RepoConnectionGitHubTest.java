package dev.agentcenter.api.repo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentcenter.api.ApiTestBase;
import dev.agentcenter.api.credential.Secrets;
import dev.agentcenter.support.SealedSecrets;
import dev.agentcenter.support.SecretBinding;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * The GitHub access check against a local fake GitHub, on a server with an encryption key and a server-wide fallback
 * token. The fake answers by repository name: {@code status-401-…} gets a 401, and so on.
 */
class RepoConnectionGitHubTest extends ApiTestBase {

    private static final String KEY = "test-passphrase-for-repo-tokens";
    private static final String SERVER_TOKEN = "ghp_serverFallbackToken";
    private static MockWebServer github;

    @Autowired
    Secrets secrets;

    @DynamicPropertySource
    static void fakeGitHub(DynamicPropertyRegistry registry) {
        synchronized (RepoConnectionGitHubTest.class) {
            if (github == null) {
                github = new MockWebServer();
                github.setDispatcher(new FakeGitHub());
                try {
                    github.start();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
        registry.add(
                "agent-center.github.api-base-url", () -> github.url("/api/v3").toString());
        registry.add("agent-center.github.fallback-tokens", () -> "," + SERVER_TOKEN + ",ghp_unused");
        registry.add("agent-center.credentials.encryption-key", () -> KEY);
    }

    @AfterAll
    static void stopFakeGitHub() {
        github.close();
    }

    @Test
    void aReadableRepositoryIsOkAndTheConnectionTokenIsSentButNeverShown() throws Exception {
        String token = "ghp_connectionSecret" + UUID.randomUUID().toString().replace("-", "");
        String repo = "status-200-" + UUID.randomUUID().toString().substring(0, 8);
        Answer created = connect("acme", repo, token).expect(201);
        UUID id = created.id();
        assertThat(created.body().get("hasToken").asBoolean()).isTrue();
        assertThat(created.body().get("authType").asString()).isEqualTo("pat");

        Answer tested = post("/api/repo-connections/" + id + "/test", null).expect(200);

        JsonNode result = tested.body();
        assertThat(result.get("ok").asBoolean()).isTrue();
        assertThat(result.get("code").asString()).isEqualTo("ok");
        assertThat(result.get("status").asInt()).isEqualTo(200);
        assertThat(result.get("message").asString()).contains("acme/" + repo);
        assertThat(result.get("checkedAt").asString()).endsWith("Z");
        JsonNode repository = result.get("repository");
        assertThat(repository.get("fullName").asString()).isEqualTo("acme/" + repo);
        assertThat(repository.get("defaultBranch").asString()).isEqualTo("trunk");
        assertThat(repository.get("isPrivate").asBoolean()).isTrue();
        assertThat(repository.get("htmlUrl").asString()).isEqualTo("https://github.com/acme/" + repo);

        RecordedRequest sent = requestFor(repo);
        assertThat(sent.getMethod()).isEqualTo("GET");
        assertThat(sent.getUrl().encodedPath()).isEqualTo("/api/v3/repos/acme/" + repo);
        assertThat(sent.getHeaders().get("Authorization")).isEqualTo("Bearer " + token);
        assertThat(sent.getHeaders().get("Accept")).isEqualTo("application/vnd.github+json");
        assertThat(sent.getHeaders().get("X-GitHub-Api-Version")).isEqualTo("2022-11-28");
        assertThat(sent.getHeaders().get("User-Agent")).isEqualTo("agent-center");

        for (Answer answer : new Answer[] {
            created,
            tested,
            get("/api/repo-connections/" + id),
            get("/api/repo-connections?workspaceId="
                    + created.body().get("workspaceId").asString()),
            get("/api/repo-connections?limit=200")
        }) {
            assertThat(answer.raw().body())
                    .as("token in %s", answer.raw().request().uri())
                    .doesNotContain(token);
        }
    }

    @Test
    void theTokenIsStoredEncryptedAndDecryptsBack() {
        String token = "ghp_storedSecret" + UUID.randomUUID().toString().replace("-", "");
        UUID id = connect("acme", "stored-" + UUID.randomUUID().toString().substring(0, 8), "  " + token + "\n")
                .expect(201)
                .id();

        byte[] stored = db.sql("SELECT token_ciphertext FROM repo_connections WHERE id = :id")
                .param("id", id)
                .query((rs, row) -> rs.getBytes(1))
                .single();
        String authType = db.sql("SELECT auth_type FROM repo_connections WHERE id = :id")
                .param("id", id)
                .query(String.class)
                .single();

        assertThat(authType).isEqualTo("pat");
        assertThat(new String(stored, StandardCharsets.ISO_8859_1)).doesNotContain(token);
        assertThat(stored[0]).as("the row-bound v2 format").isEqualTo((byte) 2);
        assertThat(secrets.open(stored, tokenBinding(id)))
                .as("pasted whitespace is trimmed")
                .isEqualTo(token);
    }

    @Test
    void withoutItsOwnTokenTheServersTokenIsUsed() throws Exception {
        String repo = "status-200-" + UUID.randomUUID().toString().substring(0, 8);
        UUID id = connect("acme", repo, null).expect(201).id();

        JsonNode result =
                post("/api/repo-connections/" + id + "/test", null).expect(200).body();

        assertThat(result.get("ok").asBoolean()).isTrue();
        assertThat(result.get("message").asString()).contains("the server's GitHub token");
        assertThat(requestFor(repo).getHeaders().get("Authorization")).isEqualTo("Bearer " + SERVER_TOKEN);
        assertThat(result.toString()).doesNotContain(SERVER_TOKEN);
    }

    @Test
    void aRejectedTokenIsAuthFailed() throws Exception {
        JsonNode result = check("status-401", "ghp_expired");

        assertThat(result.get("ok").asBoolean()).isFalse();
        assertThat(result.get("status").asInt()).isEqualTo(401);
        assertThat(result.get("code").asString()).isEqualTo("auth_failed");
        assertThat(result.get("message").asString()).contains("Bad credentials");
        assertThat(result.get("repository").isNull()).isTrue();
        assertThat(result.toString()).doesNotContain("ghp_expired");
    }

    @Test
    void aRefusedRepositoryIsForbiddenAndAnExhaustedRateLimitSaysSo() throws Exception {
        JsonNode refused = check("status-403", "ghp_readonly");
        assertThat(refused.get("status").asInt()).isEqualTo(403);
        assertThat(refused.get("code").asString()).isEqualTo("forbidden");
        assertThat(refused.get("message").asString()).contains("Resource not accessible by personal access token");

        JsonNode limited = check("ratelimit-403", "ghp_busy");
        assertThat(limited.get("code").asString()).isEqualTo("forbidden");
        assertThat(limited.get("message").asString())
                .contains("rate limit")
                .contains("1970-01-01T00:16:40Z")
                .contains("API rate limit exceeded");
    }

    @Test
    void anUnknownRepositoryIsRepositoryNotFound() throws Exception {
        JsonNode result = check("status-404", "ghp_ok");

        assertThat(result.get("ok").asBoolean()).isFalse();
        assertThat(result.get("status").asInt()).isEqualTo(404);
        assertThat(result.get("code").asString()).isEqualTo("repository_not_found");
        assertThat(result.get("message").asString()).contains("Not Found");
    }

    @Test
    void aGitHubFailureIsGitHubError() throws Exception {
        JsonNode result = check("status-500", "ghp_ok");

        assertThat(result.get("ok").asBoolean()).isFalse();
        assertThat(result.get("status").asInt()).isEqualTo(500);
        assertThat(result.get("code").asString()).isEqualTo("github_error");
        assertThat(result.get("message").asString()).contains("500").contains("Server Error");
    }

    @Test
    void aTokenSealedWithAnotherKeyIsAClearProblem() {
        UUID id = connect("acme", "status-200-" + UUID.randomUUID().toString().substring(0, 8), "ghp_x")
                .expect(201)
                .id();
        String anotherKey = java.util.Base64.getEncoder().encodeToString(new byte[32]);
        db.sql("UPDATE repo_connections SET token_ciphertext = :sealed WHERE id = :id")
                .param("sealed", new SealedSecrets(anotherKey, null).seal("ghp_x", tokenBinding(id)))
                .param("id", id)
                .update();

        post("/api/repo-connections/" + id + "/test", null).expectProblem(422, "stored_secret_unreadable");
    }

    /**
     * Finding 6 of issue 12: a sealed token copied from another workspace's connection must not open in this one.
     * Before the fix the AAD was the constant {@code repo_token}, so the copy opened and its token went to GitHub.
     */
    @Test
    void aTokenCopiedFromAnotherWorkspacesConnectionDoesNotOpen() {
        String victimToken = "ghp_victim" + UUID.randomUUID().toString().replace("-", "");
        UUID victim = connect(
                        "acme", "status-200-" + UUID.randomUUID().toString().substring(0, 8), victimToken)
                .expect(201)
                .id();
        UUID attacker = connect(
                        "evil", "status-200-" + UUID.randomUUID().toString().substring(0, 8), "ghp_own")
                .expect(201)
                .id();
        db.sql("""
                        UPDATE repo_connections
                           SET token_ciphertext = (SELECT token_ciphertext FROM repo_connections WHERE id = :victim)
                         WHERE id = :attacker""").param("victim", victim).param("attacker", attacker).update();

        Answer answer = post("/api/repo-connections/" + attacker + "/test", null)
                .expectProblem(422, "stored_secret_unreadable");

        assertThat(answer.body().get("detail").asString()).contains("another row");
        assertThat(answer.raw().body()).doesNotContain(victimToken);
    }

    /** The whole row moved to another workspace, or pointed at another repository: its token no longer opens. */
    @Test
    void aConnectionMovedToAnotherWorkspaceOrRepositoryNoLongerOpensItsToken() {
        UUID moved = connect(
                        "acme", "status-200-" + UUID.randomUUID().toString().substring(0, 8), "ghp_moved")
                .expect(201)
                .id();
        UUID otherWorkspace = newWorkspace();
        db.sql("UPDATE repo_connections SET workspace_id = :w WHERE id = :id")
                .param("w", otherWorkspace)
                .param("id", moved)
                .update();
        post("/api/repo-connections/" + moved + "/test", null).expectProblem(422, "stored_secret_unreadable");

        UUID repointed = connect(
                        "acme", "status-200-" + UUID.randomUUID().toString().substring(0, 8), "ghp_repoint")
                .expect(201)
                .id();
        db.sql("UPDATE repo_connections SET owner = 'evil' WHERE id = :id")
                .param("id", repointed)
                .update();
        post("/api/repo-connections/" + repointed + "/test", null).expectProblem(422, "stored_secret_unreadable");
    }

    @Test
    void anUnknownConnectionIs404() {
        post("/api/repo-connections/" + UUID.randomUUID() + "/test", null)
                .expectProblem(404, "repo_connection_not_found");
    }

    /** What the connection's token is sealed for, read from its row. */
    private SecretBinding tokenBinding(UUID id) {
        return db.sql("SELECT workspace_id, provider, owner, repo FROM repo_connections WHERE id = :id")
                .param("id", id)
                .query((rs, row) -> SecretBinding.repositoryToken(
                        id,
                        rs.getObject("workspace_id", UUID.class),
                        rs.getString("provider"),
                        rs.getString("owner"),
                        rs.getString("repo")))
                .single();
    }

    /** Connects a repository named {@code <prefix>-<random>} with a token and checks it. */
    private JsonNode check(String prefix, String token) throws InterruptedException {
        String repo = prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
        UUID id = connect("acme", repo, token).expect(201).id();
        Answer answer = post("/api/repo-connections/" + id + "/test", null).expect(200);
        assertThat(requestFor(repo).getHeaders().get("Authorization")).isEqualTo("Bearer " + token);
        return answer.body();
    }

    private Answer connect(String owner, String repo, String token) {
        Map<String, Object> body = new HashMap<>(Map.of("workspaceId", newWorkspace(), "owner", owner, "repo", repo));
        if (token != null) {
            body.put("token", token);
        }
        return post("/api/repo-connections", body);
    }

    /** The request the fake received for a repository (earlier ones, from other tests, are skipped). */
    private static RecordedRequest requestFor(String repo) throws InterruptedException {
        while (true) {
            RecordedRequest request = github.takeRequest(5, TimeUnit.SECONDS);
            assertThat(request).as("a request for %s", repo).isNotNull();
            if (request.getUrl().encodedPath().endsWith("/" + repo)) {
                return request;
            }
        }
    }

    /** Answers like GitHub's {@code GET /repos/{owner}/{repo}}, the status chosen by the repository name. */
    private static final class FakeGitHub extends Dispatcher {
        @Override
        public MockResponse dispatch(RecordedRequest request) {
            String path = request.getUrl().encodedPath();
            String[] segments = path.split("/");
            String owner = segments[segments.length - 2];
            String repo = segments[segments.length - 1];
            MockResponse.Builder response =
                    new MockResponse.Builder().setHeader("Content-Type", "application/json; charset=utf-8");
            if (repo.startsWith("ratelimit-403")) {
                return response.code(403)
                        .setHeader("x-ratelimit-remaining", "0")
                        .setHeader("x-ratelimit-reset", "1000")
                        .body(error("API rate limit exceeded for user ID 1."))
                        .build();
            }
            if (repo.startsWith("status-401")) {
                return response.code(401).body(error("Bad credentials")).build();
            }
            if (repo.startsWith("status-403")) {
                return response.code(403)
                        .body(error("Resource not accessible by personal access token"))
                        .build();
            }
            if (repo.startsWith("status-500")) {
                return response.code(500).body(error("Server Error")).build();
            }
            if (repo.startsWith("status-200")) {
                return response.code(200).body("""
                                {"id": 1, "name": "%2$s", "full_name": "%1$s/%2$s", "private": true,
                                 "html_url": "https://github.com/%1$s/%2$s", "default_branch": "trunk",
                                 "owner": {"login": "%1$s"}}""".formatted(owner, repo)).build();
            }
            return response.code(404).body(error("Not Found")).build();
        }

        private static String error(String message) {
            return "{\"message\": \"" + message + "\", \"documentation_url\": \"https://docs.github.com/rest\","
                    + " \"status\": \"x\"}";
        }
    }
}
