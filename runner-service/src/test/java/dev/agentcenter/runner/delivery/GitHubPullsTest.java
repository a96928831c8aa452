package dev.agentcenter.runner.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.agentcenter.runner.execution.SecretRedactor;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/** Opening pull requests against a local fake GitHub: the request GitHub gets, and each kind of answer. */
class GitHubPullsTest {

    private static final String TOKEN = "ghp_" + "Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0FeDcBa";
    private static final ObjectMapper JSON = JsonMapper.builder().build();
    private static final GitHubPulls.Proposal PROPOSAL =
            new GitHubPulls.Proposal("acme", "widgets", "agent/feature-1", "main", "Add widgets", "Body text");

    private final SecretRedactor redactor = new SecretRedactor(TOKEN);
    private MockWebServer github;
    private GitHubPulls pulls;

    @BeforeEach
    void start() throws IOException {
        github = new MockWebServer();
        github.start(java.net.InetAddress.getLoopbackAddress(), 0);
        pulls = pulls(github.url("/api/v3").toString(), Duration.ofSeconds(10));
    }

    @AfterEach
    void stop() {
        pulls.close();
        github.close();
    }

    private static GitHubPulls pulls(String baseUrl, Duration timeout) {
        return new GitHubPulls(new DeliveryProperties(baseUrl, "Agent Center", "a@b.c", timeout), JSON);
    }

    @Test
    void opensAPullRequestWithTheDocumentedRequest() throws Exception {
        github.enqueue(json(201, """
                {"number": 42, "html_url": "https://github.com/acme/widgets/pull/42", "state": "open"}"""));

        GitHubPulls.PullRequest pr = pulls.open(PROPOSAL, TOKEN, redactor);

        assertThat(pr).isEqualTo(new GitHubPulls.PullRequest(42, "https://github.com/acme/widgets/pull/42", false));
        RecordedRequest request = github.takeRequest(5, TimeUnit.SECONDS);
        assertThat(request.getMethod()).isEqualTo("POST");
        assertThat(request.getUrl().encodedPath()).isEqualTo("/api/v3/repos/acme/widgets/pulls");
        assertThat(request.getUrl().query()).isNull();
        assertThat(request.getHeaders().get("Authorization")).isEqualTo("Bearer " + TOKEN);
        assertThat(request.getHeaders().get("Accept")).isEqualTo("application/vnd.github+json");
        assertThat(request.getHeaders().get("X-GitHub-Api-Version")).isEqualTo("2022-11-28");
        assertThat(request.getHeaders().get("User-Agent")).isNotBlank();
        assertThat(request.getHeaders().get("Content-Type")).startsWith("application/json");
        JsonNode body = JSON.readTree(request.getBody().utf8());
        assertThat(body.get("head").asString()).isEqualTo("agent/feature-1");
        assertThat(body.get("base").asString()).isEqualTo("main");
        assertThat(body.get("title").asString()).isEqualTo("Add widgets");
        assertThat(body.get("body").asString()).isEqualTo("Body text");
        assertThat(body.propertyNames()).containsExactlyInAnyOrder("head", "base", "title", "body");
    }

    @Test
    void withoutABodyNoneIsSent() throws Exception {
        github.enqueue(json(201, "{\"number\": 1, \"html_url\": \"https://github.com/acme/widgets/pull/1\"}"));

        pulls.open(new GitHubPulls.Proposal("acme", "widgets", "agent/x", "main", "Title", null), TOKEN, redactor);

        JsonNode body =
                JSON.readTree(github.takeRequest(5, TimeUnit.SECONDS).getBody().utf8());
        assertThat(body.propertyNames()).containsExactlyInAnyOrder("head", "base", "title");
    }

    @Test
    void aPullRequestAlreadyOpenForTheBranchIsLookedUpAndReported() throws Exception {
        github.enqueue(json(422, """
                {"message": "Validation Failed",
                 "errors": [{"resource": "PullRequest", "code": "custom",
                             "message": "A pull request already exists for acme:agent/feature-1."}],
                 "documentation_url": "https://docs.github.com/rest/pulls/pulls#create-a-pull-request",
                 "status": "422"}"""));
        github.enqueue(json(200, """
                [{"number": 7, "html_url": "https://github.com/acme/widgets/pull/7", "state": "open"}]"""));

        GitHubPulls.PullRequest pr = pulls.open(PROPOSAL, TOKEN, redactor);

        assertThat(pr).isEqualTo(new GitHubPulls.PullRequest(7, "https://github.com/acme/widgets/pull/7", true));
        assertThat(github.takeRequest(5, TimeUnit.SECONDS).getMethod()).isEqualTo("POST");
        RecordedRequest lookup = github.takeRequest(5, TimeUnit.SECONDS);
        assertThat(lookup.getMethod()).isEqualTo("GET");
        assertThat(lookup.getUrl().encodedPath()).isEqualTo("/api/v3/repos/acme/widgets/pulls");
        assertThat(lookup.getUrl().queryParameter("head")).isEqualTo("acme:agent/feature-1");
        assertThat(lookup.getUrl().queryParameter("state")).isEqualTo("open");
        assertThat(lookup.getHeaders().get("Authorization")).isEqualTo("Bearer " + TOKEN);
        assertThat(lookup.getHeaders().get("X-GitHub-Api-Version")).isEqualTo("2022-11-28");
    }

    @Test
    void alreadyExistsButNoneOpenFails() {
        github.enqueue(json(422, """
                {"message": "Validation Failed",
                 "errors": [{"resource": "PullRequest", "code": "custom",
                             "message": "A pull request already exists for acme:agent/feature-1."}]}"""));
        github.enqueue(json(200, "[]"));

        assertThatThrownBy(() -> pulls.open(PROPOSAL, TOKEN, redactor))
                .isInstanceOfSatisfying(GitHubPulls.GitHubException.class, e -> {
                    assertThat(e.getMessage()).contains("already exists").contains("no open one");
                    assertThat(e.hint()).contains("retry");
                });
    }

    @Test
    void otherValidationErrorsQuoteGitHubAndHintAtTheBranches() {
        github.enqueue(json(422, """
                {"message": "Validation Failed",
                 "errors": [{"resource": "PullRequest", "code": "custom",
                             "message": "No commits between main and agent/feature-1"},
                            {"resource": "PullRequest", "field": "base", "code": "invalid"}]}"""));

        assertThatThrownBy(() -> pulls.open(PROPOSAL, TOKEN, redactor))
                .isInstanceOfSatisfying(GitHubPulls.GitHubException.class, e -> {
                    assertThat(e.status()).isEqualTo(422);
                    assertThat(e.getMessage())
                            .contains("(422)")
                            .contains("GitHub said: Validation Failed (No commits between main and agent/feature-1;"
                                    + " base invalid)");
                    assertThat(e.hint()).contains("base branch main").contains("agent/feature-1");
                });
        assertThat(github.getRequestCount())
                .as("no lookup for other validation errors")
                .isEqualTo(1);
    }

    @Test
    void badCredentialsQuoteGitHubWithoutTheToken() {
        // GitHub does not echo tokens, but whatever it says passes the redactor before it reaches a message.
        github.enqueue(json(
                401,
                "{\"message\": \"Bad credentials for " + TOKEN + "\","
                        + " \"documentation_url\": \"https://docs.github.com/rest\"}"));

        assertThatThrownBy(() -> pulls.open(PROPOSAL, TOKEN, redactor))
                .isInstanceOfSatisfying(GitHubPulls.GitHubException.class, e -> {
                    assertThat(e.status()).isEqualTo(401);
                    assertThat(e.getMessage())
                            .contains("(401)")
                            .contains("Bad credentials")
                            .contains(SecretRedactor.MASK)
                            .doesNotContain(TOKEN);
                    assertThat(e.hint()).contains("token");
                });
    }

    @Test
    void forbiddenAndNotFoundSayWhatAccessIsMissing() {
        github.enqueue(json(403, "{\"message\": \"Resource not accessible by personal access token\"}"));
        github.enqueue(json(404, "{\"message\": \"Not Found\"}"));
        github.enqueue(new MockResponse.Builder()
                .code(403)
                .setHeader("x-ratelimit-remaining", "0")
                .setHeader("Content-Type", "application/json")
                .body("{\"message\": \"API rate limit exceeded\"}")
                .build());

        assertThatThrownBy(() -> pulls.open(PROPOSAL, TOKEN, redactor))
                .isInstanceOfSatisfying(GitHubPulls.GitHubException.class, e -> {
                    assertThat(e.getMessage()).contains("(403)").contains("Resource not accessible");
                    assertThat(e.hint()).contains("Pull requests").contains("acme/widgets");
                });
        assertThatThrownBy(() -> pulls.open(PROPOSAL, TOKEN, redactor))
                .isInstanceOfSatisfying(GitHubPulls.GitHubException.class, e -> {
                    assertThat(e.getMessage())
                            .contains("(404)")
                            .contains("acme/widgets")
                            .contains("Not Found");
                    assertThat(e.hint()).contains("owner and name");
                });
        assertThatThrownBy(() -> pulls.open(PROPOSAL, TOKEN, redactor))
                .isInstanceOfSatisfying(GitHubPulls.GitHubException.class, e -> {
                    assertThat(e.getMessage()).contains("rate limit").contains("API rate limit exceeded");
                    assertThat(e.hint()).contains("reset");
                });
    }

    @Test
    void serverErrorsFailWithGitHubsStatus() {
        github.enqueue(new MockResponse.Builder()
                .code(502)
                .setHeader("Content-Type", "text/html")
                .body("<html>Bad gateway</html>")
                .build());

        assertThatThrownBy(() -> pulls.open(PROPOSAL, TOKEN, redactor))
                .isInstanceOfSatisfying(GitHubPulls.GitHubException.class, e -> {
                    assertThat(e.status()).isEqualTo(502);
                    assertThat(e.getMessage()).contains("502").doesNotContain("<html>");
                    assertThat(e.hint()).contains("retry");
                });
        assertThat(github.getRequestCount()).as("nothing retried").isEqualTo(1);
    }

    @Test
    void aGitHubThatDoesNotAnswerInTimeFailsWithTheTimeout() {
        GitHubPulls impatient = pulls(github.url("/").toString(), Duration.ofMillis(500));
        github.enqueue(new MockResponse.Builder()
                .headersDelay(5, TimeUnit.SECONDS)
                .code(201)
                .body("{}")
                .build());
        try {
            assertThatThrownBy(() -> impatient.open(PROPOSAL, TOKEN, redactor))
                    .isInstanceOfSatisfying(GitHubPulls.GitHubException.class, e -> {
                        assertThat(e.status()).isNull();
                        assertThat(e.getMessage()).contains("did not answer").contains("/repos/acme/widgets/pulls");
                        assertThat(e.hint()).contains("RUNNER_GITHUB_API_BASE_URL");
                    });
        } finally {
            impatient.close();
        }
    }

    @Test
    void aStopCancelsTheCallInFlightWithoutWaitingForGitHubOrTheTimeout() throws Exception {
        GitHubPulls patient = pulls(github.url("/api/v3").toString(), Duration.ofMinutes(10));
        CountDownLatch answer = new CountDownLatch(1);
        github.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                try {
                    answer.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return json(201, "{\"number\": 7, \"html_url\": \"https://github.com/acme/widgets/pull/7\"}");
            }
        });
        CompletableFuture<Void> stop = new CompletableFuture<>();
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        try {
            Thread caller = Thread.ofVirtual().start(() -> {
                try {
                    patient.open(PROPOSAL, TOKEN, redactor, stop);
                } catch (RuntimeException e) {
                    thrown.set(e);
                }
            });
            assertThat(github.takeRequest(30, TimeUnit.SECONDS)).isNotNull();

            stop.complete(null);
            await().atMost(Duration.ofSeconds(30)).until(() -> !caller.isAlive());
            assertThat(thrown.get()).isInstanceOf(CancellationException.class).hasMessageContaining("abandoned");
            assertThat(answer.getCount()).as("GitHub never answered").isOne();

            // a stop that came first: nothing is sent at all
            assertThatThrownBy(() -> patient.open(PROPOSAL, TOKEN, redactor, stop))
                    .isInstanceOf(CancellationException.class);
            assertThat(github.getRequestCount()).isOne();
        } finally {
            answer.countDown();
            patient.close();
        }
    }

    @Test
    void anUnreachableGitHubFailsWithTheAddress() throws IOException {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        GitHubPulls nowhere = pulls("http://127.0.0.1:" + closedPort + "/", Duration.ofSeconds(5));
        try {
            assertThatThrownBy(() -> nowhere.open(PROPOSAL, TOKEN, redactor))
                    .isInstanceOfSatisfying(GitHubPulls.GitHubException.class, e -> {
                        assertThat(e.getMessage())
                                .contains("Could not reach GitHub at http://127.0.0.1:" + closedPort)
                                .doesNotContain(TOKEN);
                        assertThat(e.hint()).contains("network");
                    });
        } finally {
            nowhere.close();
        }
    }

    @Test
    void anAnswerWithoutNumberOrUrlIsRefused() {
        github.enqueue(json(201, "{\"id\": 1}"));

        assertThatThrownBy(() -> pulls.open(PROPOSAL, TOKEN, redactor))
                .isInstanceOfSatisfying(
                        GitHubPulls.GitHubException.class,
                        e -> assertThat(e.getMessage()).contains("no number or html_url"));
    }

    private static MockResponse json(int code, String body) {
        return new MockResponse.Builder()
                .code(code)
                .setHeader("Content-Type", "application/json; charset=utf-8")
                .body(body)
                .build();
    }
}
