package dev.agentcenter.worker.outbound;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agentcenter.support.SealedSecrets;
import dev.agentcenter.support.SecretBinding;
import dev.agentcenter.testing.GitHubPayloads;
import dev.agentcenter.worker.TestWorld;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The outbox against real Postgres (the trigger on {@code runs} fills it) and a MockWebServer standing in for a
 * workspace's webhook receiver and for GitHub's REST API. Each "restart" is a new sender on the same rows.
 */
class OutboundSenderTest {

    private static final String KEY = "test-passphrase-for-outbound";
    private static final String TOKEN = "ghp_outboundTestToken0123456789";
    private static final Duration PATIENCE = Duration.ofSeconds(30);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static TestWorld world;
    private static MockWebServer server;
    private static SealedSecrets secrets;
    private static final BlockingQueue<RecordedRequest> received = new LinkedBlockingQueue<>();
    private static final AtomicInteger webhookFailuresLeft = new AtomicInteger();

    @BeforeAll
    static void start() throws IOException {
        world = TestWorld.create();
        secrets = new SealedSecrets(KEY, world.dataSource);
        server = new MockWebServer();
        server.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                received.add(request);
                String path = request.getUrl().encodedPath();
                if (path.startsWith("/hooks/")) {
                    return new MockResponse.Builder()
                            .code(webhookFailuresLeft.getAndDecrement() > 0 ? 503 : 204)
                            .build();
                }
                if (path.matches("/repos/acme/greeter/pulls/\\d+")) {
                    return json(
                            200,
                            "{\"number\":5,\"head\":{\"ref\":\"agent-center/issue-3\",\"sha\":"
                                    + "\"ce587453ced02b1526dfb4cb910479d431683101\"}}");
                }
                if (path.startsWith("/repos/acme/greeter/issues/")
                        || path.startsWith("/repos/acme/greeter/statuses/")) {
                    return json(201, "{\"id\":1}");
                }
                if (path.startsWith("/repos/acme/gone/")) {
                    return json(404, "{\"message\":\"Not Found\"}");
                }
                return json(500, "{}");
            }
        });
        server.start(InetAddress.getLoopbackAddress(), 0);
    }

    @AfterAll
    static void stop() {
        server.close();
        world.close();
    }

    private OutboundSender sender() {
        OutboundProperties properties = new OutboundProperties(
                Duration.ofMillis(50),
                3,
                Duration.ofMillis(10),
                Duration.ofSeconds(5),
                server.url("/").toString(),
                List.of(),
                "http://agent-center.test",
                KEY);
        return new OutboundSender(world.dataSource, new OkHttpClient(), JSON, secrets, properties);
    }

    @Test
    void aWorkspaceWebhookIsSignedRetriedWithTheSameBytesAndLogged() throws Exception {
        received.clear();
        UUID workspace = world.workspace();
        String secret = "endpoint-secret-" + UUID.randomUUID();
        String url = server.url("/hooks/" + UUID.randomUUID()).toString();
        endpoint(workspace, url, secret);
        UUID run = world.queuedRun(workspace);
        webhookFailuresLeft.set(1);
        end(run, "failed");

        sender().sendDue(); // 503: retried later
        RecordedRequest first = received.poll(10, TimeUnit.SECONDS);
        assertThat(delivery(run, "webhook").get("status")).isEqualTo("pending");
        // a new sender, as after a worker restart, finds the message in its row
        OutboundSender restarted = sender();
        await().atMost(PATIENCE).until(() -> {
            restarted.sendDue();
            return "delivered".equals(delivery(run, "webhook").get("status"));
        });
        RecordedRequest second = received.poll(10, TimeUnit.SECONDS);

        assertThat(second.getBody().utf8()).isEqualTo(first.getBody().utf8());
        String signature = second.getHeaders().get("X-Agent-Center-Signature-256");
        assertThat(signature)
                .isEqualTo(GitHubPayloads.signature(secret, second.getBody().utf8()));
        assertThat(second.getHeaders().get("X-Agent-Center-Event")).isEqualTo("run.failed");
        JsonNode payload = JSON.readTree(second.getBody().utf8());
        assertThat(payload.get("event").asString()).isEqualTo("run.failed");
        assertThat(payload.get("run").get("id").asString()).isEqualTo(run.toString());
        assertThat(payload.get("run").get("status").asString()).isEqualTo("failed");
        assertThat(payload.toString()).doesNotContain(secret);
        Map<String, Object> logged = delivery(run, "webhook");
        assertThat(logged.get("attempts")).isEqualTo(2);
        assertThat(logged.get("last_status_code")).isEqualTo(204);
    }

    @Test
    void anEndpointThatNeverAnswersIsGivenUpAfterTheLastAttempt() {
        UUID workspace = world.workspace();
        String url = "http://127.0.0.1:1/hooks/closed";
        endpoint(workspace, url, "endpoint-secret");
        UUID run = world.queuedRun(workspace);
        end(run, "cancelled");
        OutboundSender sender = sender();
        await().atMost(PATIENCE).until(() -> {
            sender.sendDue();
            return "failed".equals(delivery(run, "webhook").get("status"));
        });
        Map<String, Object> logged = delivery(run, "webhook");
        assertThat(logged.get("attempts")).isEqualTo(3);
        assertThat((String) logged.get("last_error")).startsWith("network:");
    }

    @Test
    void aRunOfAGitHubTaskCommentsOnItsPullRequestAndSetsOneStatusOnItsHead() throws Exception {
        received.clear();
        UUID workspace = world.workspace();
        UUID connection = connection(workspace, "greeter");
        UUID task = githubTask(workspace, connection, 3);
        UUID run = run(task, 1, 5);
        world.db.sql("""
                        INSERT INTO run_events (run_id, sequence, event_type, message, payload)
                        VALUES (:run, 1, 'agent.message', 'said', '{"text":"Done: hello.txt now greets you."}')""").param("run", run).update();
        end(run, "completed");

        OutboundSender sender = sender();
        await().atMost(PATIENCE).until(() -> {
            sender.sendDue();
            return "delivered".equals(delivery(run, "github_comment").get("status"))
                    && "delivered".equals(delivery(run, "github_status").get("status"));
        });
        List<RecordedRequest> requests = List.copyOf(received);
        RecordedRequest comment = requests.stream()
                .filter(r -> r.getUrl().encodedPath().equals("/repos/acme/greeter/issues/5/comments"))
                .findFirst()
                .orElseThrow();
        String text = JSON.readTree(comment.getBody().utf8()).get("body").asString();
        assertThat(text)
                .startsWith("<!-- agent-center -->")
                .contains("**completed**", "Done: hello.txt now greets you.", "http://agent-center.test/tasks/" + task);
        RecordedRequest status = requests.stream()
                .filter(r -> r.getUrl().encodedPath().startsWith("/repos/acme/greeter/statuses/"))
                .findFirst()
                .orElseThrow();
        assertThat(status.getUrl().encodedPath()).endsWith("/ce587453ced02b1526dfb4cb910479d431683101");
        JsonNode state = JSON.readTree(status.getBody().utf8());
        assertThat(state.get("state").asString()).isEqualTo("success");
        assertThat(state.get("context").asString()).isEqualTo("agent-center");
        assertThat(requests)
                .allSatisfy(r -> assertThat(r.getHeaders().get("Authorization")).isEqualTo("Bearer " + TOKEN));
    }

    @Test
    void anIssueWithoutAPullRequestGetsOnlyTheCommentAndGitHubsRefusalIsNotRetried() {
        UUID workspace = world.workspace();
        UUID task = githubTask(workspace, connection(workspace, "greeter"), 4);
        UUID run = run(task, 1, null);
        end(run, "failed");
        UUID goneTask = githubTask(workspace, connection(workspace, "gone"), 9);
        UUID goneRun = run(goneTask, 1, null);
        end(goneRun, "failed");

        OutboundSender sender = sender();
        await().atMost(PATIENCE).until(() -> {
            sender.sendDue();
            return "delivered".equals(delivery(run, "github_comment").get("status"))
                    && "failed".equals(delivery(goneRun, "github_comment").get("status"));
        });
        assertThat(delivery(run, "github_status").get("status")).isEqualTo("skipped");
        assertThat(delivery(goneRun, "github_comment").get("attempts")).isEqualTo(1);
        assertThat(delivery(goneRun, "github_comment").get("last_status_code")).isEqualTo(404);
    }

    @Test
    void aConnectionNotSetUpForGitHubWebhooksHearsNothingOnGitHub() {
        UUID workspace = world.workspace();
        UUID connection = connection(workspace, "greeter");
        world.db
                .sql("DELETE FROM github_settings WHERE repo_connection_id = :id")
                .param("id", connection)
                .update();
        UUID task = githubTask(workspace, connection, 6);
        UUID run = run(task, 1, 8);
        end(run, "completed");
        long notices = world.db
                .sql("SELECT count(*) FROM outbound_deliveries WHERE run_id = :run")
                .param("run", run)
                .query(Long.class)
                .single();
        assertThat(notices).isZero();
    }

    // --- rows, as the API and the runner would write them ---------------------------------------------------------

    private static void endpoint(UUID workspace, String url, String secret) {
        UUID id = UUID.randomUUID();
        world.db
                .sql("""
                        INSERT INTO webhook_endpoints (id, workspace_id, url, secret_ciphertext)
                        VALUES (:id, :ws, :url, :secret)""")
                .param("id", id)
                .param("ws", workspace)
                .param("url", url)
                .param("secret", secrets.seal(secret, SecretBinding.webhookEndpointSecret(id, workspace, url)))
                .update();
    }

    private UUID connection(UUID workspace, String repo) {
        UUID id = UUID.randomUUID();
        world.db
                .sql("""
                        INSERT INTO repo_connections (id, workspace_id, owner, repo, auth_type, token_ciphertext)
                        VALUES (:id, :ws, 'acme', :repo, 'pat', :token)""")
                .param("id", id)
                .param("ws", workspace)
                .param("repo", repo)
                .param(
                        "token",
                        secrets.seal(TOKEN, SecretBinding.repositoryToken(id, workspace, "github", "acme", repo)))
                .update();
        // set up for GitHub's webhooks: only such connections hear about their runs on GitHub
        world.db
                .sql("INSERT INTO github_settings (repo_connection_id) VALUES (:id)")
                .param("id", id)
                .update();
        return id;
    }

    private UUID githubTask(UUID workspace, UUID connection, int issue) {
        UUID task = world.db
                .sql("""
                        INSERT INTO tasks (workspace_id, repo_connection_id, title, branch_name)
                        VALUES (:ws, :c, 'Greet', 'agent-center/issue-' || :issue) RETURNING id""")
                .param("ws", workspace)
                .param("c", connection)
                .param("issue", issue)
                .query(UUID.class)
                .single();
        world.db
                .sql("INSERT INTO github_task_links (task_id, repo_connection_id, issue_number) VALUES (:t, :c, :i)")
                .param("t", task)
                .param("c", connection)
                .param("i", issue)
                .update();
        return task;
    }

    private UUID run(UUID task, int attempt, Integer pullRequest) {
        return world.db
                .sql("""
                        INSERT INTO runs (task_id, attempt, status, permission_mode, started_at, pull_request_number,
                                          pull_request_url)
                        VALUES (:task, :attempt, 'running', 'safe', now(), :pr,
                                CASE WHEN :pr IS NULL THEN NULL ELSE 'https://github.com/acme/greeter/pull/' || :pr END)
                        RETURNING id""")
                .param("task", task)
                .param("attempt", attempt)
                .param("pr", pullRequest, java.sql.Types.INTEGER)
                .query(UUID.class)
                .single();
    }

    private static void end(UUID run, String status) {
        world.db
                .sql("UPDATE runs SET status = :status, finished_at = now() WHERE id = :run")
                .param("status", status)
                .param("run", run)
                .update();
    }

    private static Map<String, Object> delivery(UUID run, String target) {
        return world.db
                .sql("""
                        SELECT status, attempts, last_status_code, last_error FROM outbound_deliveries
                         WHERE run_id = :run AND target = :target""")
                .param("run", run)
                .param("target", target)
                .query()
                .singleRow();
    }

    private static MockResponse json(int code, String body) {
        return new MockResponse.Builder()
                .code(code)
                .setHeader("Content-Type", "application/json")
                .body(body)
                .build();
    }
}
