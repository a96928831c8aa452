package dev.agentcenter.api.github;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agentcenter.api.ApiTestBase;
import dev.agentcenter.testing.GitHubPayloads;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.TestPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * {@code POST /api/webhooks/github} with GitHub's payload shapes and real signatures, on a server that requires an
 * API token (which GitHub never sends: the route must work without it) and stores secrets sealed.
 */
@TestPropertySource(
        properties = {
            "agent-center.api.token=" + GitHubWebhookApiTest.API_TOKEN,
            "agent-center.credentials.encryption-key=test-passphrase-for-webhooks",
            "agent-center.github-webhooks.feedback-quiet=0ms",
            "agent-center.github-webhooks.feedback-poll=100ms"
        })
class GitHubWebhookApiTest extends ApiTestBase {

    static final String API_TOKEN = "webhook-test-api-token";
    private static final Duration PATIENCE = Duration.ofSeconds(30);
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @Autowired
    FeedbackDrain drain;

    private final String owner = "acme";
    private String repo;
    private String secret;
    private UUID connection;

    @BeforeEach
    void connect() {
        repo = unique("greeter");
        secret = "whsec-" + UUID.randomUUID();
        UUID workspace = send("POST", "/api/workspaces", Map.of("slug", unique("ws"), "name", "GitHub"), API_TOKEN)
                .expect(201)
                .id();
        connection = send(
                        "POST",
                        "/api/repo-connections",
                        Map.of("workspaceId", workspace, "owner", owner, "repo", repo, "token", "ghp_repoToken123"),
                        API_TOKEN)
                .expect(201)
                .id();
        Answer settings = send(
                        "PUT",
                        "/api/repo-connections/" + connection + "/github",
                        Map.of("webhookSecret", secret, "maxFollowUps", 3),
                        API_TOKEN)
                .expect(200);
        assertThat(settings.body().get("hasWebhookSecret").asBoolean()).isTrue();
        assertThat(settings.body().get("webhookPath").asString()).isEqualTo("/api/webhooks/github");
        assertThat(settings.body().get("settings").get("label").asString()).isEqualTo("agent-center");
        assertThat(settings.raw().body()).doesNotContain(secret);
    }

    @Test
    void theSecretIsWriteOnlyAndStoredSealed() {
        Answer read = send("GET", "/api/repo-connections/" + connection + "/github", null, API_TOKEN)
                .expect(200);
        assertThat(read.raw().body()).doesNotContain(secret);
        byte[] stored = db.sql("SELECT webhook_secret_ciphertext FROM github_settings WHERE repo_connection_id = :id")
                .param("id", connection)
                .query(byte[].class)
                .single();
        assertThat(new String(stored, java.nio.charset.StandardCharsets.ISO_8859_1))
                .doesNotContain(secret);
        send("PUT", "/api/repo-connections/" + connection + "/github", Map.of("webhookSecret", "short"), API_TOKEN)
                .expectProblem(400, "validation_failed");
        send(
                        "PUT",
                        "/api/repo-connections/" + connection + "/github",
                        Map.of("taskConfig", Map.of("commands", List.of())),
                        API_TOKEN)
                .expectProblem(400, "validation_failed");
        send("PUT", "/api/repo-connections/" + UUID.randomUUID() + "/github", Map.of("label", "x"), API_TOKEN)
                .expectProblem(404, "repo_connection_not_found");
    }

    @Test
    void aLabeledIssueStartsATaskOnItsOwnBranchAndARedeliveryCreatesNothingNew() {
        String body = GitHubPayloads.issueLabeled(
                owner, repo, 7, "Greet in French", "Add a French greeting.", "agent-center", "User");
        String delivery = UUID.randomUUID().toString();

        Answer first = deliver("issues", delivery, body, GitHubPayloads.signature(secret, body))
                .expect(202);

        JsonNode result = first.body().get("results").get(0);
        assertThat(result.get("outcome").asString()).isEqualTo("task_created");
        UUID task = UUID.fromString(result.get("taskId").asString());
        JsonNode created =
                send("GET", "/api/tasks/" + task, null, API_TOKEN).expect(200).body();
        assertThat(created.get("title").asString()).isEqualTo("Greet in French");
        assertThat(created.get("branchName").asString()).isEqualTo("agent-center/issue-7");
        assertThat(created.get("prompt").asString()).contains("issue #7 of acme/" + repo, "Add a French greeting.");
        assertThat(created.get("repoConnectionId").asString()).isEqualTo(connection.toString());
        assertThat(created.get("config").get("prTitle").asString()).isEqualTo("Greet in French");
        assertThat(created.get("config").get("prBody").asString()).startsWith("Closes #7.");
        assertThat(created.get("latestRun").get("status").asString()).isEqualTo("queued");
        assertThat(runsOf(task)).containsExactly("github");

        Answer again = deliver("issues", delivery, body, GitHubPayloads.signature(secret, body))
                .expect(200);
        assertThat(again.body().get("results").get(0).get("outcome").asString()).isEqualTo("duplicate");
        assertThat(tasksOfConnection()).isEqualTo(1);
        assertThat(runsOf(task)).hasSize(1);

        // another delivery of the same label on the same issue: the issue already has its task
        deliver("issues", UUID.randomUUID().toString(), body, GitHubPayloads.signature(secret, body))
                .expect(202);
        assertThat(tasksOfConnection()).isEqualTo(1);
    }

    @Test
    void aBadOrMissingSignatureIs401AndWritesNothing() {
        String body = GitHubPayloads.issueLabeled(owner, repo, 8, "Nope", "", "agent-center", "User");
        long deliveries = count("github_deliveries");

        deliver("issues", UUID.randomUUID().toString(), body, GitHubPayloads.signature("wrong-secret", body))
                .expectProblem(401, "invalid_signature");
        deliver("issues", UUID.randomUUID().toString(), body, null).expectProblem(401, "invalid_signature");
        deliver("issues", UUID.randomUUID().toString(), body, "sha256=zz").expectProblem(401, "invalid_signature");
        String tampered = body.replace("Nope", "Yes!");
        deliver("issues", UUID.randomUUID().toString(), tampered, GitHubPayloads.signature(secret, body))
                .expectProblem(401, "invalid_signature");
        String elsewhere = GitHubPayloads.issueLabeled(owner, "unknown-repo", 8, "Nope", "", "agent-center", "User");
        deliver("issues", UUID.randomUUID().toString(), elsewhere, GitHubPayloads.signature(secret, elsewhere))
                .expectProblem(401, "invalid_signature");
        deliver("issues", UUID.randomUUID().toString(), "not json", GitHubPayloads.signature(secret, "not json"))
                .expectProblem(401, "invalid_signature");

        assertThat(count("github_deliveries")).isEqualTo(deliveries);
        assertThat(tasksOfConnection()).isZero();
    }

    @Test
    void botsUnknownEventsAndOtherLabelsAreAcceptedAndIgnored() {
        String bot = GitHubPayloads.issueLabeled(owner, repo, 9, "Bump deps", "", "agent-center", "Bot");
        assertThat(outcome(deliver("issues", UUID.randomUUID().toString(), bot, GitHubPayloads.signature(secret, bot))
                        .expect(202)))
                .isEqualTo("ignored");
        String star = GitHubPayloads.starred(owner, repo);
        assertThat(outcome(deliver("star", UUID.randomUUID().toString(), star, GitHubPayloads.signature(secret, star))
                        .expect(202)))
                .isEqualTo("ignored");
        String other = GitHubPayloads.issueLabeled(owner, repo, 10, "Docs", "", "documentation", "User");
        assertThat(outcome(
                        deliver("issues", UUID.randomUUID().toString(), other, GitHubPayloads.signature(secret, other))
                                .expect(202)))
                .isEqualTo("ignored");
        String own = GitHubPayloads.issueComment(
                owner, repo, 11, false, "<!-- agent-center -->\n/agent-center do it again", "User");
        assertThat(outcome(deliver(
                                "issue_comment",
                                UUID.randomUUID().toString(),
                                own,
                                GitHubPayloads.signature(secret, own))
                        .expect(202)))
                .isEqualTo("ignored");
        String approval = GitHubPayloads.review(owner, repo, 5, "approved", "LGTM");
        Answer approved = deliver(
                        "pull_request_review",
                        UUID.randomUUID().toString(),
                        approval,
                        GitHubPayloads.signature(secret, approval))
                .expect(202);
        assertThat(outcome(approved)).isEqualTo("ignored");
        assertThat(approved.body().get("results").get(0).get("detail").asString())
                .contains("approved");
        assertThat(tasksOfConnection()).isZero();
        List<String> logged = send("GET", "/api/repo-connections/" + connection + "/github/deliveries", null, API_TOKEN)
                .expect(200)
                .body()
                .get("items")
                .valueStream()
                .map(d -> d.get("event").asString() + ":" + d.get("outcome").asString())
                .toList();
        assertThat(logged).contains("star:ignored", "issues:ignored", "issue_comment:ignored");
    }

    @Test
    void aCommandCommentOnAnIssueStartsATask() {
        String body = GitHubPayloads.issueComment(owner, repo, 12, false, "/agent-center fix the typo please", "User");
        Answer answer = deliver(
                        "issue_comment", UUID.randomUUID().toString(), body, GitHubPayloads.signature(secret, body))
                .expect(202);
        assertThat(outcome(answer)).isEqualTo("task_created");
        UUID task = UUID.fromString(
                answer.body().get("results").get(0).get("taskId").asString());
        assertThat(send("GET", "/api/tasks/" + task, null, API_TOKEN)
                        .body()
                        .get("prompt")
                        .asString())
                .contains("Asked in a comment: fix the typo please");
    }

    @Test
    void feedbackOnTheProductsPullRequestIsFoldedIntoOneFollowUpOnceTheActiveRunEnds() {
        UUID task = taskWithPullRequest(21);
        UUID active = queueRun(task); // a run is active: feedback must wait for it

        String comment = GitHubPayloads.reviewComment(owner, repo, 21, "src/Greeter.java", 14, "Use a constant here.");
        String review = GitHubPayloads.review(owner, repo, 21, "changes_requested", "Nearly there.");
        String check = GitHubPayloads.checkRun(
                owner, repo, 21, "agent-center/issue-1", "build", "failure", "GreeterTest.greets failed");
        String passed = GitHubPayloads.checkRun(owner, repo, 21, "agent-center/issue-1", "lint", "success", "ok");
        assertThat(outcome(deliver(
                                "pull_request_review_comment",
                                UUID.randomUUID().toString(),
                                comment,
                                GitHubPayloads.signature(secret, comment))
                        .expect(202)))
                .isEqualTo("feedback_pending");
        assertThat(outcome(deliver(
                                "pull_request_review",
                                UUID.randomUUID().toString(),
                                review,
                                GitHubPayloads.signature(secret, review))
                        .expect(202)))
                .isEqualTo("feedback_pending");
        assertThat(outcome(deliver(
                                "check_run",
                                UUID.randomUUID().toString(),
                                check,
                                GitHubPayloads.signature(secret, check))
                        .expect(202)))
                .isEqualTo("feedback_pending");
        assertThat(outcome(deliver(
                                "check_run",
                                UUID.randomUUID().toString(),
                                passed,
                                GitHubPayloads.signature(secret, passed))
                        .expect(202)))
                .isEqualTo("ignored");

        // while the run is active the feedback waits, folded into one row (the drain polls every 100 ms meanwhile)
        assertThat(db.sql("SELECT jsonb_array_length(items) FROM github_pending_feedback WHERE task_id = :task")
                        .param("task", task)
                        .query(Integer.class)
                        .single())
                .isEqualTo(3);
        assertThat(drain.drain())
                .as("follow-ups queued while the task has an active run")
                .isZero();
        assertThat(runsOf(task)).hasSize(2);

        finish(active, "completed", null);
        await().atMost(PATIENCE).until(() -> runsOf(task).size() == 3);
        assertThat(runsOf(task)).containsExactly("api", "api", "follow_up");
        String prompt = db.sql("SELECT prompt FROM runs WHERE task_id = :task ORDER BY attempt DESC LIMIT 1")
                .param("task", task)
                .query(String.class)
                .single();
        assertThat(prompt)
                .contains("(3 items)")
                .contains("src/Greeter.java:14", "Use a constant here.")
                .contains("changes requested", "Nearly there.")
                .contains("Check \"build\" failure", "GreeterTest.greets failed");
        assertThat(count("github_pending_feedback")).isZero();
    }

    @Test
    void aCommandOnThePullRequestIsAFollowUpAndTheFollowUpCapStopsALoop() {
        UUID task = taskWithPullRequest(31);
        for (int i = 1; i <= 3; i++) {
            String body = GitHubPayloads.issueComment(owner, repo, 31, true, "/agent-center try " + i, "User");
            assertThat(outcome(deliver(
                                    "issue_comment",
                                    UUID.randomUUID().toString(),
                                    body,
                                    GitHubPayloads.signature(secret, body))
                            .expect(202)))
                    .isEqualTo("feedback_pending");
            int expected = 1 + i;
            await().atMost(PATIENCE).until(() -> runsOf(task).size() == expected);
            finish(latestRun(task), "failed", "agent_failed");
        }
        String fourth = GitHubPayloads.issueComment(owner, repo, 31, true, "/agent-center try 4", "User");
        Answer refused = deliver(
                        "issue_comment", UUID.randomUUID().toString(), fourth, GitHubPayloads.signature(secret, fourth))
                .expect(202);
        assertThat(outcome(refused)).isEqualTo("ignored");
        assertThat(refused.body().get("results").get(0).get("detail").asString())
                .contains("maxFollowUps");
        String unrelated = GitHubPayloads.reviewComment(owner, repo, 999, "a.txt", 1, "Who opened this?");
        assertThat(outcome(deliver(
                                "pull_request_review_comment",
                                UUID.randomUUID().toString(),
                                unrelated,
                                GitHubPayloads.signature(secret, unrelated))
                        .expect(202)))
                .isEqualTo("ignored");
    }

    @Test
    void theRunEndQueuesACommentAndAStatusForGitHub() {
        UUID task = taskWithPullRequest(41);
        UUID run = queueRun(task);
        finish(run, "completed", null);
        List<String> targets = send("GET", "/api/webhook-endpoints/deliveries?runId=" + run, null, API_TOKEN)
                .expect(200)
                .body()
                .get("items")
                .valueStream()
                .map(d -> d.get("target").asString() + ":" + d.get("status").asString())
                .toList();
        assertThat(targets).containsExactlyInAnyOrder("github_comment:pending", "github_status:pending");
    }

    // --- helpers -------------------------------------------------------------------------------------------------

    private Answer deliver(String event, String delivery, String body, String signature) {
        HttpRequest.Builder request = HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + "/api/webhooks/github"))
                .header("Content-Type", "application/json")
                .header("User-Agent", "GitHub-Hookshot/044aadd")
                .header("X-GitHub-Event", event)
                .header("X-GitHub-Delivery", delivery)
                .header("X-GitHub-Hook-ID", "292430182")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (signature != null) {
            request.header("X-Hub-Signature-256", signature);
        }
        try {
            HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
            JsonNode parsed = response.body().isEmpty() ? null : JSON.readTree(response.body());
            return new Answer(response.statusCode(), response, parsed);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String outcome(Answer answer) {
        return answer.body().get("results").get(0).get("outcome").asString();
    }

    /** A task (made through the API) whose first run completed and opened pull request {@code number}. */
    private UUID taskWithPullRequest(int number) {
        UUID workspace = db.sql("SELECT workspace_id FROM repo_connections WHERE id = :id")
                .param("id", connection)
                .query(UUID.class)
                .single();
        UUID task = send(
                        "POST",
                        "/api/tasks",
                        Map.of(
                                "workspaceId",
                                workspace,
                                "repoConnectionId",
                                connection,
                                "title",
                                "Greeter",
                                "branchName",
                                "agent-center/issue-1",
                                "config",
                                Map.of("commands", List.of(Map.of("command", "true")), "prTitle", "Greet")),
                        API_TOKEN)
                .expect(201)
                .id();
        UUID run = queueRun(task);
        db.sql("""
                        UPDATE runs SET status = 'completed', finished_at = now(), pull_request_number = :n,
                                        pull_request_url = 'https://github.com/acme/x/pull/' || :n
                         WHERE id = :run""").param("n", number).param("run", run).update();
        return task;
    }

    private UUID queueRun(UUID task) {
        return send("POST", "/api/runs", Map.of("taskId", task), API_TOKEN)
                .expect(201)
                .id();
    }

    private void finish(UUID run, String status, String errorCode) {
        db.sql("UPDATE runs SET status = :status, finished_at = now(), error_code = :code WHERE id = :run")
                .param("status", status)
                .param("code", errorCode)
                .param("run", run)
                .update();
    }

    private UUID latestRun(UUID task) {
        return db.sql("SELECT id FROM runs WHERE task_id = :task ORDER BY attempt DESC LIMIT 1")
                .param("task", task)
                .query(UUID.class)
                .single();
    }

    private List<String> runsOf(UUID task) {
        return db.sql("SELECT source FROM runs WHERE task_id = :task ORDER BY attempt")
                .param("task", task)
                .query(String.class)
                .list();
    }

    private long tasksOfConnection() {
        return db.sql("SELECT count(*) FROM tasks WHERE repo_connection_id = :id")
                .param("id", connection)
                .query(Long.class)
                .single();
    }
}
