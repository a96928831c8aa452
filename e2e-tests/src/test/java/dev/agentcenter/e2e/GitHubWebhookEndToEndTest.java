package dev.agentcenter.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agentcenter.testing.GitHubPayloads;
import dev.agentcenter.testing.TestDatabase;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;
import tools.jackson.databind.JsonNode;

/**
 * GitHub in the loop, through the real, separately started services: a labeled issue starts a task whose agent opens
 * a pull request; a review comment on that pull request continues the same task, in the same workspace and agent
 * session, and the pull request gets the new commit; every run end is told on GitHub (a comment and a commit status on
 * the pull request's head). "GitHub" is a local bare repository for git plus a MockWebServer for its REST API (the
 * pull request API of {@link AgentDeliveryEndToEndTest.FakeGitHub}, with comments, statuses and a pull request's head
 * added); the deliveries are GitHub's documented payloads, signed as GitHub signs them.
 */
@ExtendWith(GitHubWebhookEndToEndTest.PrintLogsOnFailure.class)
class GitHubWebhookEndToEndTest {

    private static final Duration RUN_TIMEOUT = Duration.ofSeconds(120);
    private static final String OWNER = "acme";
    private static final String REPO = "greeter";
    private static final int ISSUE = 7;
    private static final String BRANCH = "agent-center/issue-" + ISSUE;
    private static final String SECRET = "whsec-" + UUID.randomUUID();
    private static final String REPO_TOKEN =
            "ghp_" + UUID.randomUUID().toString().replace("-", "").substring(0, 32) + "Hook";

    private static GitHub github;
    private static Path fakes;
    private static Stack stack;
    private static RestCalls rest;
    private static Path bare;

    @BeforeAll
    static void start() throws IOException {
        github = new GitHub();
        fakes = Files.createTempDirectory("github-webhook-fakes");
        Path claude = AgentDeliveryEndToEndTest.fakeClaude(fakes);
        String api = github.server.url("/").toString();
        stack = Stack.start(
                TestDatabase.shared().freshDatabase(),
                Map.of(
                        "GITHUB_API_BASE_URL", api,
                        "GITHUB_FEEDBACK_QUIET_MS", "500",
                        "GITHUB_FEEDBACK_POLL_MS", "200",
                        "WORKER_OUTBOUND_INTERVAL_MS", "200",
                        "AGENT_CENTER_PUBLIC_URL", "http://agent-center.test"),
                Map.of(
                        "RUNNER_CLAUDE_PATH",
                        claude.toString(),
                        "RUNNER_GITHUB_API_BASE_URL",
                        api,
                        "ANTHROPIC_API_KEY",
                        ""));
        rest = new RestCalls(stack.apiUrl());
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
        if (github != null) {
            github.server.close();
        }
    }

    @Test
    void anIssueStartsARunWhosePullRequestsReviewContinuesTheSameSessionUntilThePullRequestIsUpdated()
            throws Exception {
        bare = bareRepository();
        rest.post("/api/credentials/anthropic", Map.of("apiKey", "sk-ant-e2e-" + UUID.randomUUID()));
        UUID workspace = RestCalls.id(rest.post("/api/workspaces", Map.of("slug", "github-e2e", "name", "GitHub")));
        UUID connection = RestCalls.id(rest.post(
                "/api/repo-connections",
                Map.of("workspaceId", workspace, "owner", OWNER, "repo", REPO, "token", REPO_TOKEN)));
        HttpResponse<String> settings = rest.send(HttpRequest.newBuilder(
                        URI.create(stack.apiUrl() + "/api/repo-connections/" + connection + "/github"))
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(RestCalls.JSON.writeValueAsString(Map.of(
                        "webhookSecret",
                        SECRET,
                        "taskConfig",
                        Map.of(
                                "agent",
                                Map.of("provider", "claude"),
                                "commands",
                                List.of(Map.of("command", "cat hello.txt")))))))
                .build());
        assertThat(settings.statusCode()).as(settings.body()).isEqualTo(200);
        assertThat(settings.body()).doesNotContain(SECRET);

        // --- the issue is labeled: a task and its first run ---
        String labeled = GitHubPayloads.issueLabeled(
                OWNER, REPO, ISSUE, "Greet the world", "Add a hello.txt with a greeting.", "agent-center", "User");
        HttpResponse<String> taken = deliver("issues", UUID.randomUUID().toString(), labeled);
        assertThat(taken.statusCode()).as(taken.body()).isEqualTo(202);
        UUID task = UUID.fromString(RestCalls.JSON
                .readTree(taken.body())
                .get("results")
                .get(0)
                .get("taskId")
                .asString());
        JsonNode first = awaitRun(task, 1);
        assertThat(first.get("status").asString())
                .as("run 1: %s", first.path("errorMessage"))
                .isEqualTo("completed");
        int number = first.get("pullRequestNumber").asInt();
        assertThat(number).isEqualTo(AgentDeliveryEndToEndTest.FakeGitHub.FIRST_NUMBER);
        String firstHead = git(bare, "rev-parse", "refs/heads/" + BRANCH);
        assertThat(git(bare, "show", firstHead + ":hello.txt")).isEqualTo("hello from claude");
        String session =
                payload(first, "agent.session.started").get("sessionId").asString();

        // the run's end is told on the pull request: a comment and one status on its head
        await().atMost(RUN_TIMEOUT).until(() -> github.comments.size() == 1 && github.statuses.size() == 1);
        assertThat(github.comments.getFirst().path).isEqualTo("/repos/acme/greeter/issues/" + number + "/comments");
        assertThat(github.comments.getFirst().body.get("body").asString())
                .startsWith("<!-- agent-center -->")
                .contains("**completed**", "Done: hello.txt now greets you.", "http://agent-center.test/tasks/" + task);
        assertThat(github.statuses.getFirst().path).isEqualTo("/repos/acme/greeter/statuses/" + firstHead);
        assertThat(github.statuses.getFirst().body.get("state").asString()).isEqualTo("success");

        // GitHub echoes the product's own comment back as an issue_comment: it starts nothing
        String echo = GitHubPayloads.issueComment(
                OWNER,
                REPO,
                number,
                true,
                github.comments.getFirst().body.get("body").asString() + "\n/agent-center again",
                "User");
        assertThat(deliver("issue_comment", UUID.randomUUID().toString(), echo).body())
                .contains("\"ignored\"");

        // --- a review comment on the pull request: a follow-up in the same session ---
        String review = GitHubPayloads.reviewComment(OWNER, REPO, number, "hello.txt", 1, "Say it in French");
        String reviewDelivery = UUID.randomUUID().toString();
        HttpResponse<String> fed = deliver("pull_request_review_comment", reviewDelivery, review);
        assertThat(fed.statusCode()).as(fed.body()).isEqualTo(202);
        assertThat(fed.body()).contains("feedback_pending");
        JsonNode second = awaitRun(task, 2);
        assertThat(second.get("status").asString())
                .as("run 2: %s", second.path("errorMessage"))
                .isEqualTo("completed");
        assertThat(second.get("source").asString()).isEqualTo("follow_up");
        JsonNode resumed = payload(second, "agent.started");
        assertThat(resumed.get("resumeSessionId").asString()).isEqualTo(session);
        assertThat(payload(second, "agent.session.started").get("resumed").asBoolean())
                .isTrue();
        assertThat(second.get("workspacePath").asString())
                .isEqualTo(first.get("workspacePath").asString());

        // the pull request is updated: a new commit on the same branch, with the review's words in the agent's work
        String secondHead = git(bare, "rev-parse", "refs/heads/" + BRANCH);
        assertThat(secondHead).isNotEqualTo(firstHead);
        assertThat(git(bare, "rev-parse", secondHead + "~1")).isEqualTo(firstHead);
        assertThat(git(bare, "show", secondHead + ":hello.txt"))
                .startsWith("hello from claude\nturn 2: ")
                .contains("hello.txt:1", "Say it in French");
        assertThat(second.get("pullRequestNumber").asInt()).isEqualTo(number);
        assertThat(github.opened).as("no second pull request").hasSize(1);
        await().atMost(RUN_TIMEOUT).until(() -> github.comments.size() == 2 && github.statuses.size() == 2);
        assertThat(github.statuses.getLast().path).isEqualTo("/repos/acme/greeter/statuses/" + secondHead);

        // --- GitHub redelivers the review comment: nothing new ---
        HttpResponse<String> again = deliver("pull_request_review_comment", reviewDelivery, review);
        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(again.body()).contains("duplicate");
        assertThat(rest.get("/api/tasks/" + task + "/runs").get("items").size()).isEqualTo(2);
        assertThat(rest.get("/api/tasks/" + task).get("status").asString()).isEqualTo("completed");

        // the repository token went only to GitHub
        assertThat(github.all)
                .allSatisfy(r -> assertThat(r.getHeaders().get("Authorization")).isEqualTo("Bearer " + REPO_TOKEN));
        assertThat(Files.readString(stack.root.resolve("api.log"))).doesNotContain(SECRET, REPO_TOKEN);
        assertThat(Files.readString(stack.root.resolve("worker.log"))).doesNotContain(SECRET, REPO_TOKEN);
    }

    // --- helpers -------------------------------------------------------------------------------------------------

    private static HttpResponse<String> deliver(String event, String delivery, String body) {
        return rest.send(HttpRequest.newBuilder(URI.create(stack.apiUrl() + "/api/webhooks/github"))
                .header("Content-Type", "application/json")
                .header("User-Agent", "GitHub-Hookshot/044aadd")
                .header("X-GitHub-Event", event)
                .header("X-GitHub-Delivery", delivery)
                .header("X-Hub-Signature-256", GitHubPayloads.signature(SECRET, body))
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build());
    }

    /** The task's attempt {@code attempt}, once it ended, with its events. */
    private static JsonNode awaitRun(UUID task, int attempt) {
        JsonNode[] run = new JsonNode[1];
        await().atMost(RUN_TIMEOUT).pollInterval(Duration.ofMillis(200)).until(() -> {
            for (JsonNode candidate : rest.get("/api/tasks/" + task + "/runs").get("items")) {
                if (candidate.get("attempt").asInt() == attempt
                        && List.of("completed", "failed", "cancelled")
                                .contains(candidate.get("status").asString())) {
                    run[0] = candidate;
                    return true;
                }
            }
            return false;
        });
        return run[0];
    }

    private static JsonNode payload(JsonNode run, String type) {
        return rest.get("/api/runs/" + run.get("id").asString() + "/events?limit=5000")
                .get("items")
                .valueStream()
                .filter(e -> e.get("eventType").asString().equals(type))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no " + type))
                .get("payload");
    }

    private static Path bareRepository() throws Exception {
        return AgentDeliveryEndToEndTest.bareRepository(stack.root, OWNER, REPO);
    }

    private static String git(Path directory, String... args) throws Exception {
        return AgentDeliveryEndToEndTest.git(directory, args);
    }

    /** A request GitHub received, with its JSON body. */
    record Received(String path, JsonNode body) {}

    /**
     * The pull request API of {@link AgentDeliveryEndToEndTest.FakeGitHub}, plus what the worker uses: a pull
     * request's head (the branch's commit in the bare repository), issue comments and commit statuses.
     */
    static final class GitHub extends Dispatcher {
        final List<Received> comments = new CopyOnWriteArrayList<>();
        final List<Received> statuses = new CopyOnWriteArrayList<>();
        final List<RecordedRequest> all = new CopyOnWriteArrayList<>();
        final AgentDeliveryEndToEndTest.FakeGitHub pulls = new AgentDeliveryEndToEndTest.FakeGitHub();
        final MockWebServer server = pulls.server;
        final Map<String, Integer> opened = pulls.opened;

        GitHub() throws IOException {
            server.setDispatcher(this);
        }

        @Override
        public MockResponse dispatch(RecordedRequest request) {
            all.add(request);
            String path = request.getUrl().encodedPath();
            String prefix = "/repos/" + OWNER + "/" + REPO + "/";
            if (request.getMethod().equals("POST") && path.matches(prefix + "issues/\\d+/comments")) {
                comments.add(new Received(
                        path, RestCalls.JSON.readTree(request.getBody().utf8())));
                return reply(201, "{\"id\":" + comments.size() + "}");
            }
            if (request.getMethod().equals("POST") && path.startsWith(prefix + "statuses/")) {
                statuses.add(new Received(
                        path, RestCalls.JSON.readTree(request.getBody().utf8())));
                return reply(201, "{\"id\":" + statuses.size() + "}");
            }
            if (request.getMethod().equals("GET") && path.matches(prefix + "pulls/\\d+")) {
                try {
                    String head = git(bare, "rev-parse", "refs/heads/" + BRANCH);
                    return reply(
                            200,
                            "{\"number\":" + path.substring(path.lastIndexOf('/') + 1)
                                    + ",\"state\":\"open\",\"head\":{\"ref\":\"" + BRANCH + "\",\"sha\":\"" + head
                                    + "\"}}");
                } catch (Exception e) {
                    return reply(500, "{\"message\":\"" + e.getMessage() + "\"}");
                }
            }
            return pulls.dispatch(request);
        }

        private static MockResponse reply(int code, String body) {
            return new MockResponse.Builder()
                    .code(code)
                    .setHeader("Content-Type", "application/json; charset=utf-8")
                    .body(body)
                    .build();
        }
    }

    static final class PrintLogsOnFailure implements TestWatcher {
        @Override
        public void testFailed(ExtensionContext context, Throwable cause) {
            if (stack != null) {
                for (Stack.Service service : List.of(stack.api, stack.worker, stack.runner)) {
                    System.out.println("----- " + service.name + " log -----\n" + service.tail());
                }
            }
        }
    }
}
