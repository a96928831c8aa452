package dev.agentcenter.runner.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * Git delivery end to end in the runner: commit, push to a local bare repository (through {@code git-base-url}), pull
 * request against a fake GitHub that behaves like the real one (one open pull request per branch, 422 for a second).
 */
class GitDeliveryTest extends RunnerFixture {

    private static final String AUTHOR_NAME = "Delivery Bot";
    private static final String AUTHOR_EMAIL = "delivery-bot@example.test";
    private static FakeGitHub github;

    @Autowired
    RunSupervisor supervisor;

    @DynamicPropertySource
    static void fakeGitHub(DynamicPropertyRegistry registry) {
        synchronized (GitDeliveryTest.class) {
            if (github == null) {
                github = new FakeGitHub();
            }
        }
        registry.add(
                "agent-center.delivery.github-api-base-url",
                () -> github.server.url("/api/v3").toString());
        registry.add("agent-center.delivery.author-name", () -> AUTHOR_NAME);
        registry.add("agent-center.delivery.author-email", () -> AUTHOR_EMAIL);
        // Far longer than any wait in these tests: a run held by GitHub that ends anyway did not wait for a timeout.
        registry.add("agent-center.delivery.github-timeout", () -> "10m");
    }

    @AfterAll
    static void stopFakeGitHub() {
        github.server.close();
    }

    @BeforeEach
    void resetFakeGitHub() {
        github.reset();
    }

    @AfterEach
    void releaseHeldRequests() {
        github.releaseHeld();
    }

    @Test
    void commitsPushesAndOpensAPullRequestThenAFollowUpPushesToTheSamePullRequest() throws Exception {
        String token = "ghp_" + "D3l1v3ryT0k3nD3l1v3ryT0k3nD3l1v3ry00";
        String repo = "deliver-" + shortId();
        UUID task = taskOn(repository("acme", repo, token), "agent/feature-1", "main");
        Handle first = queue(
                task,
                config(
                        List.of(command("echo changed >> README.md; mkdir -p src; echo new > src/new.txt")),
                        "Add new.txt",
                        "Add a new file",
                        "Made by a test."));
        execute(first);
        awaitStatus(first, "completed");

        List<JsonNode> events = events(first);
        assertThat(types(events))
                .containsSubsequence(
                        "run.command.finished",
                        "git.commit.created",
                        "git.branch.pushed",
                        "git.pr.opened",
                        "run.status_changed",
                        "run.completed");
        JsonNode commit = payload(events, "git.commit.created");
        assertThat(commit.propertyNames()).containsExactlyInAnyOrder("sha", "branch", "files");
        assertThat(commit.get("branch").asString()).isEqualTo("agent/feature-1");
        assertThat(strings(commit.get("files"))).containsExactlyInAnyOrder("README.md", "src/new.txt");
        String sha = commit.get("sha").asString();
        assertThat(sha).matches("[0-9a-f]{40}");
        JsonNode pushed = payload(events, "git.branch.pushed");
        assertThat(pushed.propertyNames()).containsExactlyInAnyOrder("branch", "remote");
        assertThat(pushed.get("branch").asString()).isEqualTo("agent/feature-1");
        assertThat(pushed.get("remote").asString()).isEqualTo("origin");
        JsonNode opened = payload(events, "git.pr.opened");
        assertThat(opened.propertyNames()).containsExactlyInAnyOrder("number", "url");
        assertThat(opened.get("number").asInt()).isEqualTo(1);
        assertThat(opened.get("url").asString()).isEqualTo("https://github.example/acme/" + repo + "/pull/1");
        assertThat(column(first, "pull_request_url")).isEqualTo("https://github.example/acme/" + repo + "/pull/1");
        assertThat(column(first, "pull_request_number")).isEqualTo("1");

        // the commit is on origin, made by the configured identity, and the branch tracks origin
        Path bare = REMOTES.resolve("acme").resolve(repo + ".git");
        assertThat(gitOutput(bare, "rev-parse", "refs/heads/agent/feature-1")).isEqualTo(sha);
        assertThat(gitOutput(bare, "log", "-1", "--format=%an <%ae>|%cn <%ce>|%s", sha))
                .isEqualTo(
                        AUTHOR_NAME + " <" + AUTHOR_EMAIL + ">|" + AUTHOR_NAME + " <" + AUTHOR_EMAIL + ">|Add new.txt");
        assertThat(gitOutput(bare, "rev-parse", "refs/heads/main"))
                .as("the base branch is untouched")
                .isEqualTo(gitOutput(bare, "rev-parse", sha + "~1"));
        Path workspace = Path.of(column(first, "workspace_path"));
        assertThat(gitOutput(workspace, "config", "branch.agent/feature-1.remote"))
                .isEqualTo("origin");
        assertThat(gitOutput(workspace, "status", "--porcelain")).isEmpty();

        // the pull request GitHub got
        RecordedRequest create = github.requests.getFirst();
        assertThat(create.getMethod()).isEqualTo("POST");
        assertThat(create.getUrl().encodedPath()).isEqualTo("/api/v3/repos/acme/" + repo + "/pulls");
        assertThat(create.getHeaders().get("Authorization")).isEqualTo("Bearer " + token);
        assertThat(create.getHeaders().get("Accept")).isEqualTo("application/vnd.github+json");
        assertThat(create.getHeaders().get("X-GitHub-Api-Version")).isEqualTo("2022-11-28");
        JsonNode body = JSON.readTree(create.getBody().utf8());
        assertThat(body.get("head").asString()).isEqualTo("agent/feature-1");
        assertThat(body.get("base").asString()).isEqualTo("main");
        assertThat(body.get("title").asString()).isEqualTo("Add a new file");
        assertThat(body.get("body").asString()).isEqualTo("Made by a test.");

        // the token is nowhere: not in the workspace's git files, not in the bare repository, not in any event
        assertThat(filesContaining(workspace.resolve(".git"), token)).isEmpty();
        assertThat(filesContaining(bare, token)).isEmpty();
        assertThat(allEventText(first)).doesNotContain(token);

        // a follow-up: new commit on the same branch, pushed; GitHub says a pull request exists, so it is reported
        Handle followUp = queue(
                task, config(List.of(command("echo more >> src/new.txt")), "More changes", "Add a new file", null));
        execute(followUp);
        awaitStatus(followUp, "completed");

        List<JsonNode> later = events(followUp);
        assertThat(types(later)).containsSubsequence("git.commit.created", "git.branch.pushed", "git.pr.opened");
        String second = payload(later, "git.commit.created").get("sha").asString();
        assertThat(strings(payload(later, "git.commit.created").get("files"))).containsExactly("src/new.txt");
        assertThat(gitOutput(bare, "rev-parse", "refs/heads/agent/feature-1")).isEqualTo(second);
        assertThat(gitOutput(bare, "rev-parse", second + "~1")).isEqualTo(sha);
        JsonNode reported = payload(later, "git.pr.opened");
        assertThat(reported.get("number").asInt()).isEqualTo(1);
        assertThat(message(later, "git.pr.opened")).contains("already open");
        assertThat(column(followUp, "pull_request_number")).isEqualTo("1");
        assertThat(github.opened).as("no second pull request").hasSize(1);
        RecordedRequest lookup = github.requests.getLast();
        assertThat(lookup.getMethod()).isEqualTo("GET");
        assertThat(lookup.getUrl().queryParameter("head")).isEqualTo("acme:agent/feature-1");
        assertThat(lookup.getUrl().queryParameter("state")).isEqualTo("open");
        assertThat(allEventText(followUp)).doesNotContain(token);
    }

    @Test
    void withoutABranchNameTheRunGetsOneAndRecordsItForFollowUps() throws Exception {
        String repo = "generated-" + shortId();
        UUID task = taskOn(repository("acme", repo, "ghp_" + "G3n3r4t3dBr4nchT0k3nG3n3r4t3dBr4nch0"), null, null);
        Handle run = queue(task, config(List.of(command("echo x > x.txt")), "Commit only", null, null));
        execute(run);
        awaitStatus(run, "completed");

        String branch = "agent-center/" + task.toString().substring(0, 8);
        assertThat(column(run, "branch_name")).isEqualTo(branch);
        assertThat(db.sql("SELECT branch_name FROM tasks WHERE id = :id")
                        .param("id", task)
                        .query(String.class)
                        .single())
                .isEqualTo(branch);
        List<JsonNode> events = events(run);
        assertThat(types(events))
                .contains("git.commit.created", "git.branch.pushed")
                .doesNotContain("git.pr.opened");
        assertThat(payload(events, "git.branch.pushed").get("branch").asString())
                .isEqualTo(branch);
        Path bare = REMOTES.resolve("acme").resolve(repo + ".git");
        assertThat(gitOutput(bare, "rev-parse", "refs/heads/" + branch))
                .isEqualTo(payload(events, "git.commit.created").get("sha").asString());
        assertThat(nullableColumn(run, "pull_request_url")).isNull();
        assertThat(github.requests).as("no pull request asked for").isEmpty();
    }

    @Test
    void nothingToCommitIsANoOpAndNotAFailure() throws Exception {
        String repo = "unchanged-" + shortId();
        UUID task =
                taskOn(repository("acme", repo, "ghp_" + "N0th1ngT0C0mm1tT0k3nN0th1ngT0C0mm1t0"), "agent/idle", "main");
        Handle run = queue(task, config(List.of(command("cat README.md")), "Nothing", "Nothing", null));
        execute(run);
        awaitStatus(run, "completed");

        List<JsonNode> events = events(run);
        assertThat(types(events)).contains("git.commit.skipped");
        assertThat(types(events))
                .noneMatch(type -> type.equals("git.commit.created")
                        || type.equals("git.branch.pushed")
                        || type.equals("git.pr.opened"));
        assertThat(message(events, "git.commit.skipped")).isEqualTo("Nothing to commit");
        assertThat(level(run, "git.commit.skipped")).isEqualTo("info");
        Path bare = REMOTES.resolve("acme").resolve(repo + ".git");
        assertThat(gitExitCode(bare, "rev-parse", "--verify", "--quiet", "refs/heads/agent/idle"))
                .as("nothing pushed")
                .isNotZero();
        assertThat(github.requests).isEmpty();
    }

    @Test
    void commitsTheRunMadeItselfArePushedAndProposedThoughNothingIsLeftToCommit() throws Exception {
        String repo = "self-committed-" + shortId();
        UUID task =
                taskOn(repository("acme", repo, "ghp_" + "S3lfC0mm1tT0k3nS3lfC0mm1tT0k3nS3lf00"), "agent/own", "main");
        Handle run = queue(
                task,
                config(
                        List.of(command("echo a > a.txt && git add a.txt"
                                + " && git -c user.name=Agent -c user.email=agent@test commit -qm 'Own commit'")),
                        "Unused",
                        "Proposal",
                        null));
        execute(run);
        awaitStatus(run, "completed");

        List<JsonNode> events = events(run);
        assertThat(types(events))
                .containsSubsequence("git.commit.skipped", "git.branch.pushed", "git.pr.opened")
                .doesNotContain("git.commit.created");
        Path bare = REMOTES.resolve("acme").resolve(repo + ".git");
        assertThat(gitOutput(bare, "log", "-1", "--format=%s", "refs/heads/agent/own"))
                .isEqualTo("Own commit");
        assertThat(column(run, "pull_request_number")).isEqualTo("1");
    }

    @Test
    void aFailedRunCommitsNothing() throws Exception {
        String repo = "failing-" + shortId();
        UUID task = taskOn(repository("acme", repo, null), "agent/broken", "main");
        Handle run = queue(task, config(List.of(command("echo half > half.txt; exit 3")), "Half done", "PR", null));
        execute(run);
        awaitStatus(run, "failed");

        assertThat(column(run, "error_code")).isEqualTo("command_failed");
        assertThat(types(events(run))).noneMatch(type -> type.startsWith("git."));
        Path workspace = Path.of(column(run, "workspace_path"));
        assertThat(gitOutput(workspace, "rev-list", "--count", "HEAD")).isEqualTo("1");
        assertThat(gitOutput(workspace, "status", "--porcelain")).contains("half.txt");
        Path bare = REMOTES.resolve("acme").resolve(repo + ".git");
        assertThat(gitExitCode(bare, "rev-parse", "--verify", "--quiet", "refs/heads/agent/broken"))
                .isNotZero();
        assertThat(github.requests).isEmpty();
        String files = db.sql("SELECT files::text FROM run_diffs WHERE run_id = :id")
                .param("id", run.runId())
                .query(String.class)
                .single();
        assertThat(files).as("the diff still shows the work").contains("half.txt");
    }

    @Test
    void aGitHubErrorFailsTheRunWithGitHubsMessageAndKeepsTheCommitAndPush() throws Exception {
        String token = "ghp_" + "B4dCr3d3nt14lsT0k3nB4dCr3d3nt14ls000";
        github.failWith = new MockResponse.Builder()
                .code(401)
                .setHeader("Content-Type", "application/json")
                .body("{\"message\":\"Bad credentials\",\"documentation_url\":\"https://docs.github.com/rest\"}")
                .build();
        String repo = "unauthorized-" + shortId();
        UUID task = taskOn(repository("acme", repo, token), "agent/denied", "main");
        Handle run = queue(task, config(List.of(command("echo y > y.txt")), "Y", "Add y", null));
        execute(run);
        awaitStatus(run, "failed");

        assertThat(column(run, "error_code")).isEqualTo("pull_request_failed");
        assertThat(column(run, "error_message"))
                .contains("(401)")
                .contains("GitHub said: Bad credentials")
                .contains("The commit and the push of agent/denied are done")
                .contains("What to do:")
                .doesNotContain(token);
        List<JsonNode> events = events(run);
        assertThat(types(events))
                .containsSubsequence("git.commit.created", "git.branch.pushed", "run.failed")
                .doesNotContain("git.pr.opened");
        Path bare = REMOTES.resolve("acme").resolve(repo + ".git");
        assertThat(gitOutput(bare, "rev-parse", "refs/heads/agent/denied"))
                .isEqualTo(payload(events, "git.commit.created").get("sha").asString());
        assertThat(nullableColumn(run, "pull_request_url")).isNull();
        assertThat(allEventText(run)).doesNotContain(token);
    }

    @Test
    void aPlainWorkspaceCommitsLocallyAndSaysThatNothingWasPushed() throws Exception {
        Handle run = queue(newTask(null), config(List.of(command("echo local > local.txt")), null, "Title only", null));
        execute(run);
        awaitStatus(run, "completed");

        List<JsonNode> events = events(run);
        assertThat(types(events)).containsSubsequence("git.commit.created", "git.push.skipped", "run.completed");
        assertThat(level(run, "git.push.skipped")).isEqualTo("warn");
        assertThat(message(events, "git.push.skipped")).contains("no repository connection");
        assertThat(payload(events, "git.push.skipped").get("reason").asString()).isEqualTo("no_repository");
        Path workspace = Path.of(column(run, "workspace_path"));
        assertThat(gitOutput(workspace, "log", "-1", "--format=%s|%an")).isEqualTo("Title only|" + AUTHOR_NAME);
        assertThat(gitOutput(workspace, "status", "--porcelain")).isEmpty();
        assertThat(nullableColumn(run, "branch_name"))
                .as("a plain workspace keeps its branch")
                .isNull();
        String files = db.sql("SELECT files::text FROM run_diffs WHERE run_id = :id")
                .param("id", run.runId())
                .query(String.class)
                .single();
        assertThat(files).as("the run's diff still shows what it changed").contains("local.txt");
        assertThat(github.requests).isEmpty();
    }

    @Test
    void aPullRequestFromTheBaseBranchIsRefusedBeforeAnythingIsCommitted() throws Exception {
        String repo = "same-branch-" + shortId();
        UUID task = taskOn(repository("acme", repo, "ghp_" + "S4m3Br4nchT0k3nS4m3Br4nchT0k3nS4m3B0"), "main", "main");
        Handle run = queue(task, config(List.of(command("echo z > z.txt")), "Z", "Z", null));
        execute(run);
        awaitStatus(run, "failed");

        assertThat(column(run, "error_code")).isEqualTo("pull_request_failed");
        assertThat(column(run, "error_message")).contains("base branch main").contains("nothing was committed");
        assertThat(types(events(run))).noneMatch(type -> type.startsWith("git."));
        Path bare = REMOTES.resolve("acme").resolve(repo + ".git");
        assertThat(gitOutput(bare, "rev-list", "--count", "refs/heads/main")).isEqualTo("1");
        assertThat(github.requests).isEmpty();
    }

    @Test
    void aCancelWhileGitHubHoldsThePullRequestEndsTheRunCancelledWithoutWaitingForGitHub() throws Exception {
        String token = "ghp_" + "C4nc3lD3l1v3ryT0k3nC4nc3lD3l1v3ry00";
        String repo = "cancel-delivery-" + shortId();
        UUID task = taskOn(repository("acme", repo, token), "agent/cancelled", "main");
        CountDownLatch gitHubAnswers = github.holdCreations();
        Handle run = queue(task, config(List.of(command("echo c > c.txt")), "Add c", "Add c", null));
        execute(run);
        awaitHeldCreations(1);

        cancel(run);
        // GitHub has not answered (and would not time out for minutes): the cancel abandoned the call in flight
        awaitStatus(run, "cancelled");
        awaitGone(run);
        assertThat(gitHubAnswers.getCount())
                .as("GitHub still holds the request")
                .isOne();

        assertThat(column(run, "error_code")).isEqualTo("cancelled");
        assertThat(nullableColumn(run, "pull_request_url")).isNull();
        assertThat(nullableColumn(run, "pull_request_number")).isNull();
        List<JsonNode> events = events(run);
        assertThat(types(events))
                .containsSubsequence(
                        "run.command.finished",
                        "git.commit.created",
                        "git.branch.pushed",
                        "run.status_changed",
                        "run.cancelled")
                .doesNotContain("git.pr.opened", "run.completed", "run.failed")
                .endsWith("run.cancelled");
        // what was done before the cancel stays done: the commit is on origin's branch
        Path bare = REMOTES.resolve("acme").resolve(repo + ".git");
        String sha = payload(events, "git.commit.created").get("sha").asString();
        assertThat(gitOutput(bare, "rev-parse", "refs/heads/agent/cancelled")).isEqualTo(sha);
        String diff = db.sql("SELECT files::text FROM run_diffs WHERE run_id = :id")
                .param("id", run.runId())
                .query(String.class)
                .single();
        assertThat(diff).contains("c.txt");

        // GitHub opens the pull request after all: the cancelled run records nothing more ...
        gitHubAnswers.countDown();
        await().atMost(Duration.ofSeconds(30)).until(() -> github.opened.size() == 1);
        assertThat(types(events(run))).isEqualTo(types(events));
        assertThat(nullableColumn(run, "pull_request_url")).isNull();
        assertThat(allEventText(run)).doesNotContain(token);

        // ... and the task's next run finds it (GitHub's 422) and reports it as its own
        Handle followUp = queue(task, config(List.of(command("echo d > d.txt")), "Add d", "Add c", null));
        execute(followUp);
        awaitStatus(followUp, "completed");
        assertThat(message(events(followUp), "git.pr.opened")).contains("already open");
        assertThat(column(followUp, "pull_request_url")).isEqualTo("https://github.example/acme/" + repo + "/pull/1");
        assertThat(github.opened).as("still one pull request").hasSize(1);
    }

    @Test
    void aRunThatLosesItsLeaseWhileGitHubOpensThePullRequestRecordsNothingMore() throws Exception {
        String repo = "lost-delivery-" + shortId();
        UUID task =
                taskOn(repository("acme", repo, "ghp_" + "L0stL34s3T0k3nL0stL34s3T0k3nL0stL300"), "agent/lost", "main");
        CountDownLatch gitHubAnswers = github.holdCreations();
        Handle run = queue(task, config(List.of(command("echo l > l.txt")), "Add l", "Add l", null));
        execute(run);
        awaitHeldCreations(1);

        // another holder takes the run (as after a lease expiry and a new claim); then GitHub opens the pull request
        UUID otherLease = UUID.randomUUID();
        db.sql("UPDATE runs SET lease_token = :other WHERE id = :id")
                .param("other", otherLease)
                .param("id", run.runId())
                .update();
        gitHubAnswers.countDown();
        awaitGone(run);

        assertThat(column(run, "status")).as("left to its new holder").isEqualTo("running");
        assertThat(column(run, "lease_token")).isEqualTo(otherLease.toString());
        assertThat(nullableColumn(run, "pull_request_url")).isNull();
        assertThat(nullableColumn(run, "pull_request_number")).isNull();
        assertThat(nullableColumn(run, "finished_at")).isNull();
        assertThat(types(events(run)))
                .containsSubsequence("git.commit.created", "git.branch.pushed")
                .doesNotContain("git.pr.opened", "run.completed", "run.failed", "run.cancelled");
        assertThat(db.sql("SELECT count(*) FROM run_diffs WHERE run_id = :id")
                        .param("id", run.runId())
                        .query(Integer.class)
                        .single())
                .as("no diff written by the old holder")
                .isZero();
        assertRunnerStillRuns();
    }

    @Test
    void aRunThatLosesItsLeaseWhileGitHubNeverAnswersStopsWithoutWaitingForGitHub() throws Exception {
        String repo = "lost-silent-" + shortId();
        UUID task = taskOn(
                repository("acme", repo, "ghp_" + "S1l3ntG1tHubT0k3nS1l3ntG1tHubT0k3n00"), "agent/silent", "main");
        CountDownLatch gitHubAnswers = github.holdCreations();
        Handle run = queue(task, config(List.of(command("echo s > s.txt")), "Add s", "Add s", null));
        execute(run);
        awaitHeldCreations(1);

        db.sql("UPDATE runs SET lease_token = :other WHERE id = :id")
                .param("other", UUID.randomUUID())
                .param("id", run.runId())
                .update();
        // the lease renewal finds the run gone and abandons the call; GitHub never answered
        awaitGone(run);
        assertThat(gitHubAnswers.getCount()).isOne();

        assertThat(column(run, "status")).isEqualTo("running");
        assertThat(nullableColumn(run, "pull_request_url")).isNull();
        assertThat(types(events(run)))
                .containsSubsequence("git.commit.created", "git.branch.pushed")
                .doesNotContain("git.pr.opened", "run.completed", "run.failed", "run.cancelled");
        assertRunnerStillRuns();
    }

    // ---- helpers ----------------------------------------------------------------------------------------------

    private void awaitHeldCreations(int count) {
        await().atMost(Duration.ofSeconds(60)).until(() -> github.held.get() == count);
    }

    /** The runner no longer executes the run: its thread ended (the journal is closed, nothing more is written). */
    private void awaitGone(Handle run) {
        await().atMost(Duration.ofSeconds(60))
                .until(() -> !supervisor.activeRuns().contains(run.runId()));
    }

    private void assertRunnerStillRuns() {
        Handle next = queue(newTask(null), config(List.of(command("echo fine > fine.txt")), null, null, null));
        execute(next);
        awaitStatus(next, "completed");
    }

    private static JsonNode payload(List<JsonNode> events, String type) {
        return events.stream()
                .filter(e -> e.get("event_type").asString().equals(type))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no " + type + " in " + types(events)))
                .get("payload");
    }

    private static String message(List<JsonNode> events, String type) {
        return events.stream()
                .filter(e -> e.get("event_type").asString().equals(type))
                .findFirst()
                .orElseThrow()
                .get("message")
                .asString();
    }

    private static List<String> strings(JsonNode array) {
        List<String> values = new ArrayList<>();
        array.forEach(value -> values.add(value.asString()));
        return values;
    }

    private String nullableColumn(Handle run, String column) {
        return db.sql("SELECT " + column + "::text AS value FROM runs WHERE id = :id")
                                .param("id", run.runId())
                                .query()
                                .singleRow()
                                .get("value")
                        instanceof String value
                ? value
                : null;
    }

    private String level(Handle run, String type) {
        return db.sql(
                        "SELECT level FROM run_events WHERE run_id = :id AND event_type = :type ORDER BY sequence LIMIT 1")
                .param("id", run.runId())
                .param("type", type)
                .query(String.class)
                .single();
    }

    private String allEventText(Handle run) {
        return db.sql("SELECT string_agg(coalesce(message, '') || payload::text, ' ') FROM run_events"
                        + " WHERE run_id = :id")
                .param("id", run.runId())
                .query(String.class)
                .single();
    }

    private static List<Path> filesContaining(Path root, String secret) throws IOException {
        byte[] needle = secret.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(Files::isRegularFile)
                    .filter(file -> {
                        try {
                            return new String(Files.readAllBytes(file), java.nio.charset.StandardCharsets.ISO_8859_1)
                                    .contains(new String(needle, java.nio.charset.StandardCharsets.ISO_8859_1));
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    })
                    .toList();
        }
    }

    private static String gitOutput(Path directory, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("git", "-c", "safe.directory=*"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command)
                .directory(directory.toFile())
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        String output = new String(process.getInputStream().readAllBytes()).strip();
        assertThat(process.waitFor()).as("git %s", String.join(" ", args)).isZero();
        return output;
    }

    private static int gitExitCode(Path directory, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("git", "-c", "safe.directory=*"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command)
                .directory(directory.toFile())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        return process.waitFor();
    }

    private static String shortId() {
        return UUID.randomUUID().toString().substring(0, 8);
    }

    /**
     * GitHub's pull request routes as far as the runner uses them: one open pull request per head branch (a second
     * gets GitHub's 422), the list filtered by {@code head=owner:branch}. {@link #failWith} answers every creation.
     */
    static final class FakeGitHub extends Dispatcher {
        final MockWebServer server = new MockWebServer();
        final List<RecordedRequest> requests = new CopyOnWriteArrayList<>();
        final Map<String, Integer> opened = new ConcurrentHashMap<>();
        final AtomicInteger numbers = new AtomicInteger();
        /** Creations that reached GitHub while it holds them. */
        final AtomicInteger held = new AtomicInteger();

        volatile MockResponse failWith;
        private volatile CountDownLatch hold;

        FakeGitHub() {
            server.setDispatcher(this);
            try {
                server.start(java.net.InetAddress.getLoopbackAddress(), 0);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        void reset() {
            requests.clear();
            opened.clear();
            numbers.set(0);
            held.set(0);
            failWith = null;
            releaseHeld();
        }

        /** Creations wait, unanswered, until the returned latch is counted down. */
        CountDownLatch holdCreations() {
            CountDownLatch latch = new CountDownLatch(1);
            hold = latch;
            return latch;
        }

        void releaseHeld() {
            CountDownLatch latch = hold;
            hold = null;
            if (latch != null) {
                latch.countDown();
            }
        }

        @Override
        public MockResponse dispatch(RecordedRequest request) {
            requests.add(request);
            String path = request.getUrl().encodedPath();
            String[] parts = path.split("/"); // "", api, v3, repos, owner, repo, pulls
            if (parts.length != 7 || !parts[3].equals("repos") || !parts[6].equals("pulls")) {
                return json(404, "{\"message\":\"Not Found\"}");
            }
            String owner = parts[4];
            String repo = parts[5];
            if (request.getMethod().equals("POST")) {
                CountDownLatch latch = hold;
                if (latch != null) {
                    held.incrementAndGet();
                    try {
                        latch.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return json(503, "{\"message\":\"Interrupted\"}");
                    }
                }
                if (failWith != null) {
                    return failWith;
                }
                JsonNode body = JSON.readTree(request.getBody().utf8());
                String key = owner + "/" + repo + ":" + body.get("head").asString();
                if (opened.containsKey(key)) {
                    return json(422, """
                            {"message":"Validation Failed","errors":[{"resource":"PullRequest","code":"custom",\
                            "message":"A pull request already exists for %s:%s."}],"status":"422"}""".formatted(owner, body.get("head").asString()));
                }
                int number = numbers.incrementAndGet();
                opened.put(key, number);
                return json(201, pull(owner, repo, number));
            }
            String head = request.getUrl().queryParameter("head");
            String branch = head == null ? null : head.substring(head.indexOf(':') + 1);
            Integer number = branch == null ? null : opened.get(owner + "/" + repo + ":" + branch);
            return json(200, number == null ? "[]" : "[" + pull(owner, repo, number) + "]");
        }

        private static String pull(String owner, String repo, int number) {
            return "{\"number\":%d,\"html_url\":\"https://github.example/%s/%s/pull/%d\",\"state\":\"open\"}"
                    .formatted(number, owner, repo, number);
        }

        private static MockResponse json(int code, String body) {
            return new MockResponse.Builder()
                    .code(code)
                    .setHeader("Content-Type", "application/json; charset=utf-8")
                    .body(body)
                    .build();
        }
    }
}
