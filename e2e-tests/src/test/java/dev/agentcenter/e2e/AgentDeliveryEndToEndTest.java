package dev.agentcenter.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.LongStream;
import java.util.stream.Stream;
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
import tools.jackson.databind.ObjectMapper;

/**
 * The coding-agent story through the real, separately started services: a task's prompt drives a coding agent in the
 * workspace, its work streams live, a follow-up continues the same conversation, and the result leaves as a commit, a
 * pushed branch and a pull request.
 *
 * <p>Outside things are stand-ins that behave like the real ones: the agent is a Claude Code CLI replaying a recorded
 * stream-json session (it really edits the workspace and keeps its conversation under {@code CLAUDE_CONFIG_DIR}),
 * "GitHub" is a local bare repository for git (via {@code RUNNER_GIT_BASE_URL}) plus a MockWebServer for the REST API
 * (via {@code RUNNER_GITHUB_API_BASE_URL}) that, like GitHub, allows one open pull request per branch.
 */
@ExtendWith(AgentDeliveryEndToEndTest.PrintLogsOnFailure.class)
class AgentDeliveryEndToEndTest {

    private static final ObjectMapper JSON = RestCalls.JSON;
    private static final Duration RUN_TIMEOUT = Duration.ofSeconds(120);
    private static final String OWNER = "acme";
    private static final String REPO = "greeter";
    private static final String BRANCH = "agent/greeting";
    private static final String AUTHOR = "E2E Delivery Bot <e2e-bot@example.test>";
    /** Invented secrets, random per test run so that finding one anywhere means it leaked from this run. */
    private static final String ANTHROPIC_KEY =
            "sk-ant-e2e-" + UUID.randomUUID().toString().replace("-", "");

    private static final String REPO_TOKEN =
            "ghp_" + UUID.randomUUID().toString().replace("-", "").substring(0, 32) + "E2Ex";

    private static FakeGitHub github;
    private static Path fakes;
    private static Stack stack;
    private static RestCalls rest;
    private static RunFeed feed;

    @BeforeAll
    static void start() throws IOException {
        github = new FakeGitHub();
        fakes = Files.createTempDirectory("agent-delivery-fakes");
        Path claude = fakeClaude(fakes);
        stack = Stack.start(Map.of(
                "RUNNER_CLAUDE_PATH", claude.toString(),
                "RUNNER_GITHUB_API_BASE_URL", github.server.url("/").toString(),
                "RUNNER_GIT_AUTHOR_NAME", "E2E Delivery Bot",
                "RUNNER_GIT_AUTHOR_EMAIL", "e2e-bot@example.test",
                // the stored credential must be what reaches the agent, not one from the runner's environment
                "ANTHROPIC_API_KEY", ""));
        rest = new RestCalls(stack.apiUrl());
        feed = RunFeed.connect(stack.apiUrl());
    }

    @AfterAll
    static void stop() {
        if (feed != null) {
            feed.close();
        }
        if (stack != null) {
            stack.close();
        }
        if (github != null) {
            github.server.close();
        }
    }

    @Test
    void aPromptDrivesAnAgentWhoseWorkStreamsLiveAndLeavesAsACommitABranchAndAPullRequest() throws Exception {
        Path bare = bareRepository();
        String mainHead = git(bare, "rev-parse", "refs/heads/main");
        JsonNode stored = rest.post("/api/credentials/anthropic", Map.of("apiKey", ANTHROPIC_KEY));
        assertThat(stored.toString()).doesNotContain(ANTHROPIC_KEY);
        if (Files.isExecutable(Path.of("/usr/bin/bwrap"))) { // as on CI: the agent works in the runner's sandbox
            assertThat(rest.get("/api/runners")
                            .get("items")
                            .get(0)
                            .get("isolation")
                            .asString())
                    .isEqualTo("bubblewrap");
        }
        UUID workspace =
                RestCalls.id(rest.post("/api/workspaces", Map.of("slug", "agent-e2e", "name", "Agent end to end")));
        JsonNode connection = rest.post(
                "/api/repo-connections",
                Map.of("workspaceId", workspace, "owner", OWNER, "repo", REPO, "token", REPO_TOKEN));
        assertThat(connection.get("hasToken").asBoolean()).isTrue();
        assertThat(connection.toString()).doesNotContain(REPO_TOKEN);
        List<Map<String, String>> commands = List.of(
                Map.of("command", "cat hello.txt"),
                Map.of("command", "echo \"agent key in commands: ${ANTHROPIC_API_KEY:-unset}\""));
        Map<String, Object> config = Map.of(
                "agent", Map.of("provider", "claude"),
                "commands", commands,
                "commitMessage", "Add a greeting",
                "prTitle", "Greet the world",
                "prBody", "Written by Claude through Agent Center.");
        UUID task = RestCalls.id(rest.post(
                "/api/tasks",
                Map.of(
                        "workspaceId",
                        workspace,
                        "repoConnectionId",
                        RestCalls.id(connection),
                        "title",
                        "Greeting",
                        "prompt",
                        // relative: in the agent's CLAUDE_CONFIG_DIR, which the sandboxed agent can see
                        "Add a hello.txt with a greeting gate=delta-seen",
                        "branchName",
                        BRANCH,
                        "config",
                        config)));

        // --- the first run: the agent works, its text streams live, the result is delivered ---
        UUID first = RestCalls.id(rest.post("/api/runs", Map.of("taskId", task)));
        feed.subscribe(first);
        await().atMost(RUN_TIMEOUT).until(() -> feed.has(first, "agent.message.delta"));
        // The fake agent is parked after its first text delta until the test has seen it: the delta was delivered
        // while the agent was still at work, not replayed after the run.
        assertThat(rest.get("/api/runs/" + first).get("status").asString()).isEqualTo("running");
        assertThat(feed.types(first)).doesNotContain("agent.finished", "run.completed");
        Files.createFile(claudeHome(task).resolve("delta-seen"));

        JsonNode firstDone = awaitTerminal(first);
        assertThat(firstDone.get("status").asString())
                .as("run 1: %s", firstDone.path("errorMessage"))
                .isEqualTo("completed");
        List<JsonNode> events = events(first);
        await().atMost(RUN_TIMEOUT).until(() -> feed.events(first).size() == events.size());
        assertThat(feed.events(first))
                .as("the WebSocket delivered every event once, in order")
                .extracting(e -> e.get("sequence").asLong())
                .containsExactlyElementsOf(
                        LongStream.rangeClosed(1, events.size()).boxed().toList());
        assertThat(types(events))
                .containsSubsequence(
                        "agent.started",
                        "agent.session.started",
                        "agent.message.delta",
                        "agent.message",
                        "agent.usage",
                        "agent.finished",
                        "run.command.started",
                        "run.command.finished",
                        "git.commit.created",
                        "git.branch.pushed",
                        "git.pr.opened",
                        "run.completed");

        JsonNode started = payload(events, "agent.started");
        assertThat(started.get("provider").asString()).isEqualTo("claude");
        assertThat(started.get("credential").asString()).isEqualTo("stored");
        assertThat(started.get("promptSource").asString()).isEqualTo("task");
        assertThat(started.has("resumeSessionId")).isFalse();
        JsonNode session = payload(events, "agent.session.started");
        String sessionId = session.get("sessionId").asString();
        assertThat(sessionId).matches("[0-9a-f-]{36}");
        assertThat(session.get("resumed").asBoolean()).isFalse();
        assertThat(events.stream()
                        .filter(e -> e.get("eventType").asString().equals("agent.message.delta"))
                        .map(e -> e.get("payload").get("text").asString()))
                .startsWith("I'll create", " hello.txt with", " a greeting.");
        assertThat(events.stream()
                        .filter(e -> e.get("eventType").asString().equals("agent.message"))
                        .map(e -> e.get("payload").get("text").asString()))
                .contains("I'll create hello.txt with a greeting.", "Done: hello.txt now greets you.");
        JsonNode usage = payload(events, "agent.usage");
        // claude-basic.jsonl, recorded from the real Claude Code (runner-service AgentRecordingsRefresh)
        assertThat(usage.get("outputTokens").asLong()).isEqualTo(120);
        assertThat(usage.get("costUsd").asDouble()).isEqualTo(0.003195);
        assertThat(commandOutput(events))
                .as("the commands run on the agent's work; its credential never reaches them")
                .containsExactly("hello from claude", "agent key in commands: unset");

        JsonNode commit = payload(events, "git.commit.created");
        String firstSha = commit.get("sha").asString();
        assertThat(commit.get("branch").asString()).isEqualTo(BRANCH);
        assertThat(strings(commit.get("files"))).containsExactly("hello.txt");
        assertThat(git(bare, "rev-parse", "refs/heads/" + BRANCH))
                .as("the pushed branch's head is the reported commit")
                .isEqualTo(firstSha);
        assertThat(git(bare, "log", "-1", "--format=%an <%ae>|%s|%P", firstSha))
                .isEqualTo(AUTHOR + "|Add a greeting|" + mainHead);
        assertThat(git(bare, "show", firstSha + ":hello.txt")).isEqualTo("hello from claude");
        assertThat(git(bare, "rev-parse", "refs/heads/main"))
                .as("main is untouched")
                .isEqualTo(mainHead);
        assertThat(payload(events, "git.branch.pushed").get("branch").asString())
                .isEqualTo(BRANCH);
        JsonNode opened = payload(events, "git.pr.opened");
        int number = opened.get("number").asInt();
        String url = opened.get("url").asString();
        assertThat(number).isEqualTo(FakeGitHub.FIRST_NUMBER);
        assertThat(url).isEqualTo(FakeGitHub.htmlUrl(OWNER, REPO, number));
        assertThat(firstDone.get("pullRequestNumber").asInt()).isEqualTo(number);
        JsonNode latest = rest.get("/api/tasks/" + task).get("latestRun");
        assertThat(latest.get("id").asString()).isEqualTo(first.toString());
        assertThat(latest.get("pullRequestUrl").asString()).isEqualTo(url);
        assertThat(latest.get("pullRequestNumber").asInt()).isEqualTo(number);

        RecordedRequest create = github.requests.getFirst();
        assertThat(github.requests).hasSize(1);
        assertThat(create.getMethod()).isEqualTo("POST");
        assertThat(create.getUrl().encodedPath()).isEqualTo("/repos/" + OWNER + "/" + REPO + "/pulls");
        assertThat(create.getHeaders().get("Authorization")).isEqualTo("Bearer " + REPO_TOKEN);
        JsonNode proposal = JSON.readTree(create.getBody().utf8());
        assertThat(proposal.get("head").asString()).isEqualTo(BRANCH);
        assertThat(proposal.get("base").asString()).isEqualTo("main");
        assertThat(proposal.get("title").asString()).isEqualTo("Greet the world");
        assertThat(proposal.get("body").asString()).isEqualTo("Written by Claude through Agent Center.");

        List<List<String>> calls = agentCalls(task);
        assertThat(calls).hasSize(1);
        assertThat(calls.getFirst()).contains("ANTHROPIC_API_KEY=" + ANTHROPIC_KEY);
        assertThat(calls.getFirst()).noneMatch(line -> line.startsWith("arg=--resume"));

        // --- the follow-up: the same conversation continues, a second commit joins the same pull request ---
        UUID second =
                RestCalls.id(rest.post("/api/tasks/" + task + "/follow-ups", Map.of("prompt", "Now say it in French")));
        feed.subscribe(second);
        JsonNode secondDone = awaitTerminal(second);
        assertThat(secondDone.get("status").asString())
                .as("run 2: %s", secondDone.path("errorMessage"))
                .isEqualTo("completed");
        List<JsonNode> later = events(second);
        await().atMost(RUN_TIMEOUT).until(() -> feed.events(second).size() == later.size());
        assertThat(types(later))
                .containsSubsequence(
                        "agent.started",
                        "agent.session.started",
                        "agent.message.delta",
                        "agent.finished",
                        "git.commit.created",
                        "git.branch.pushed",
                        "git.pr.opened",
                        "run.completed");
        JsonNode resumedStart = payload(later, "agent.started");
        assertThat(resumedStart.get("resumeSessionId").asString()).isEqualTo(sessionId);
        assertThat(resumedStart.get("promptSource").asString()).isEqualTo("follow_up");
        JsonNode resumed = payload(later, "agent.session.started");
        assertThat(resumed.get("sessionId").asString()).isEqualTo(sessionId);
        assertThat(resumed.get("resumed").asBoolean()).isTrue();
        assertThat(commandOutput(later))
                .containsExactly("hello from claude", "turn 2: Now say it in French", "agent key in commands: unset");

        String secondSha = payload(later, "git.commit.created").get("sha").asString();
        assertThat(secondSha).isNotEqualTo(firstSha);
        assertThat(git(bare, "rev-parse", "refs/heads/" + BRANCH)).isEqualTo(secondSha);
        assertThat(git(bare, "rev-parse", secondSha + "~1"))
                .as("the follow-up's commit continues the branch")
                .isEqualTo(firstSha);
        assertThat(git(bare, "show", secondSha + ":hello.txt"))
                .isEqualTo("hello from claude\nturn 2: Now say it in French");
        JsonNode reported = payload(later, "git.pr.opened");
        assertThat(reported.get("number").asInt()).isEqualTo(number);
        assertThat(reported.get("url").asString()).isEqualTo(url);
        assertThat(github.opened).as("no second pull request").containsOnlyKeys(OWNER + "/" + REPO + ":" + BRANCH);
        assertThat(github.requests).extracting(RecordedRequest::getMethod).containsExactly("POST", "POST", "GET");
        RecordedRequest lookup = github.requests.getLast();
        assertThat(lookup.getUrl().queryParameter("head")).isEqualTo(OWNER + ":" + BRANCH);
        assertThat(lookup.getUrl().queryParameter("state")).isEqualTo("open");
        assertThat(github.requests)
                .allSatisfy(request ->
                        assertThat(request.getHeaders().get("Authorization")).isEqualTo("Bearer " + REPO_TOKEN));
        JsonNode latestAfter = rest.get("/api/tasks/" + task).get("latestRun");
        assertThat(latestAfter.get("id").asString()).isEqualTo(second.toString());
        assertThat(latestAfter.get("pullRequestNumber").asInt()).isEqualTo(number);

        calls = agentCalls(task);
        assertThat(calls).hasSize(2);
        assertThat(calls.getLast()).contains("arg=--resume=" + sessionId, "ANTHROPIC_API_KEY=" + ANTHROPIC_KEY);
        assertThat(calls.get(0).stream().filter(line -> line.startsWith("cwd=")))
                .as("both turns work in the task's one workspace")
                .isEqualTo(calls.get(1).stream()
                        .filter(line -> line.startsWith("cwd="))
                        .toList());

        // --- the secrets went only where they were needed ---
        for (UUID run : List.of(first, second)) {
            String allEvents = rest.send(HttpRequest.newBuilder(
                                    URI.create(stack.apiUrl() + "/api/runs/" + run + "/events?limit=5000"))
                            .build())
                    .body();
            assertThat(allEvents).doesNotContain(ANTHROPIC_KEY, REPO_TOKEN);
            assertThat(feed.events(run).toString()).doesNotContain(ANTHROPIC_KEY, REPO_TOKEN);
        }
        for (List<String> call : calls) {
            assertThat(call.stream().filter(line -> line.startsWith("arg=")))
                    .as("no secret on the agent's command line (visible to ps)")
                    .noneMatch(arg -> arg.contains(ANTHROPIC_KEY) || arg.contains(REPO_TOKEN));
        }
        assertThat(git(bare, "log", "--all", "-p", "--format=%H %an %ae %B")).doesNotContain(ANTHROPIC_KEY, REPO_TOKEN);
        assertThat(filesContaining(bare, ANTHROPIC_KEY, REPO_TOKEN)).isEmpty();
        Path workspaceGit = Path.of(secondDone.get("workspacePath").asString()).resolve(".git");
        assertThat(filesContaining(workspaceGit, ANTHROPIC_KEY, REPO_TOKEN))
                .as("not in the workspace's git config or remote")
                .isEmpty();
        Path fakeAgentsOwnRecords = claudeHome(task).resolve("calls"); // the fake's call log: the key it was given
        assertThat(filesContaining(stack.root, ANTHROPIC_KEY, REPO_TOKEN))
                .as("not in the services' logs, the workspace or the agent's state")
                .noneMatch(file -> !file.startsWith(fakeAgentsOwnRecords));
    }

    // --- the outside world ------------------------------------------------------------------------------------

    /** {@code acme/greeter} with one commit on {@code main}, where the runner clones from and pushes to. */
    private static Path bareRepository() throws Exception {
        return bareRepository(stack.root, OWNER, REPO);
    }

    /** The fake Claude Code CLI and its recorded session in {@code directory}; returns the CLI's path. */
    static Path fakeClaude(Path directory) throws IOException {
        Path claude = directory.resolve("claude");
        try (InputStream script = AgentDeliveryEndToEndTest.class.getResourceAsStream("/agent-delivery/claude")) {
            Files.copy(script, claude);
        }
        // Readable and executable by the sandbox's uid (the directory, bound read-only into the sandbox, too).
        Files.setPosixFilePermissions(claude, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwxr-xr-x"));
        // One recorded session format, kept with the runner's own agent tests.
        Files.copy(
                Path.of("..", "runner-service", "src", "test", "resources", "fake-agents", "recordings")
                        .resolve("claude-basic.jsonl"),
                directory.resolve("claude-basic.jsonl"),
                StandardCopyOption.REPLACE_EXISTING);
        return claude;
    }

    /** {@code owner/repo} under the stack's {@code remotes}, with one commit on {@code main}. */
    static Path bareRepository(Path root, String owner, String repo) throws Exception {
        Path bare = root.resolve("remotes").resolve(owner).resolve(repo + ".git");
        Files.createDirectories(bare.getParent());
        git(bare.getParent(), "init", "--bare", "-b", "main", bare.toString());
        Path seed = Files.createTempDirectory("agent-delivery-seed");
        git(seed, "init", "-b", "main");
        Files.writeString(seed.resolve("README.md"), "# greeter\n");
        git(seed, "add", ".");
        git(seed, "-c", "user.name=Seed", "-c", "user.email=seed@example.test", "commit", "-m", "Initial commit");
        git(seed, "push", bare.toString(), "main");
        return bare;
    }

    static String git(Path directory, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("git"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command)
                .directory(directory.toFile())
                .redirectErrorStream(true)
                .start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor())
                .as("git %s: %s", String.join(" ", args), output)
                .isZero();
        return output.strip();
    }

    /** The regular files under {@code root} whose bytes contain any of the secrets. */
    private static List<Path> filesContaining(Path root, String... secrets) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(Files::isRegularFile)
                    .filter(file -> {
                        try {
                            String content = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
                            return Stream.of(secrets).anyMatch(content::contains);
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    })
                    .toList();
        }
    }

    /** The task's Claude Code home on the runner ({@code CLAUDE_CONFIG_DIR}), writable inside its sandbox. */
    private static Path claudeHome(UUID task) {
        return stack.root
                .resolve("workspaces")
                .resolve(".agent-state")
                .resolve(task.toString())
                .resolve("claude");
    }

    /**
     * How the fake agent was called, oldest first: one list of {@code key=value} lines per call. It writes them in its
     * {@code CLAUDE_CONFIG_DIR} when sandboxed (its own directory is read-only there).
     */
    private static List<List<String>> agentCalls(UUID task) throws IOException {
        Path calls = claudeHome(task).resolve("calls");
        if (!Files.isDirectory(calls)) {
            calls = fakes.resolve("calls");
        }
        if (!Files.isDirectory(calls)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(calls)) {
            return files.filter(file -> file.toString().endsWith(".txt"))
                    .sorted()
                    .map(file -> {
                        try {
                            return Files.readAllLines(file);
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    })
                    .toList();
        }
    }

    /**
     * GitHub's pull request API as far as the runner uses it: one open pull request per branch, a second creation
     * answered with GitHub's 422 "A pull request already exists", and the open one found by {@code ?head=owner:branch}.
     */
    static final class FakeGitHub extends Dispatcher {
        static final int FIRST_NUMBER = 42;
        final MockWebServer server = new MockWebServer();
        final List<RecordedRequest> requests = new CopyOnWriteArrayList<>();
        final Map<String, Integer> opened = new ConcurrentHashMap<>();
        private final AtomicInteger numbers = new AtomicInteger(FIRST_NUMBER - 1);

        FakeGitHub() throws IOException {
            server.setDispatcher(this);
            server.start(InetAddress.getLoopbackAddress(), 0);
        }

        static String htmlUrl(String owner, String repo, int number) {
            return "https://github.example/" + owner + "/" + repo + "/pull/" + number;
        }

        @Override
        public MockResponse dispatch(RecordedRequest request) {
            requests.add(request);
            String[] parts = request.getUrl().encodedPath().split("/"); // "", repos, owner, repo, pulls
            if (parts.length != 5 || !parts[1].equals("repos") || !parts[4].equals("pulls")) {
                return json(404, "{\"message\":\"Not Found\"}");
            }
            String owner = parts[2];
            String repo = parts[3];
            if (request.getMethod().equals("POST")) {
                String head =
                        JSON.readTree(request.getBody().utf8()).get("head").asString();
                String key = owner + "/" + repo + ":" + head;
                if (opened.containsKey(key)) {
                    return json(422, """
                            {"message":"Validation Failed","errors":[{"resource":"PullRequest","code":"custom",\
                            "message":"A pull request already exists for %s:%s."}],\
                            "documentation_url":"https://docs.github.com/rest/pulls/pulls#create-a-pull-request",\
                            "status":"422"}""".formatted(owner, head));
                }
                int number = numbers.incrementAndGet();
                opened.put(key, number);
                return json(201, pull(owner, repo, number, head));
            }
            String head = request.getUrl().queryParameter("head");
            String branch = head == null ? null : head.substring(head.indexOf(':') + 1);
            Integer number = branch == null ? null : opened.get(owner + "/" + repo + ":" + branch);
            return json(200, number == null ? "[]" : "[" + pull(owner, repo, number, branch) + "]");
        }

        private static String pull(String owner, String repo, int number, String head) {
            return """
                    {"number":%d,"html_url":"%s","state":"open","head":{"ref":"%s"},"base":{"ref":"main"}}""".formatted(number, htmlUrl(owner, repo, number), head);
        }

        private static MockResponse json(int code, String body) {
            return new MockResponse.Builder()
                    .code(code)
                    .setHeader("Content-Type", "application/json; charset=utf-8")
                    .body(body)
                    .build();
        }
    }

    /** A {@code /ws} client that keeps every {@code run_event} it receives, per run, in arrival order. */
    static final class RunFeed implements WebSocket.Listener {
        private final Map<UUID, List<JsonNode>> events = new ConcurrentHashMap<>();
        private final StringBuilder partial = new StringBuilder();
        private WebSocket socket;

        static RunFeed connect(String apiUrl) {
            RunFeed feed = new RunFeed();
            feed.socket = RestCalls.HTTP
                    .newWebSocketBuilder()
                    .buildAsync(URI.create(apiUrl.replaceFirst("^http", "ws") + "/ws"), feed)
                    .join();
            return feed;
        }

        void subscribe(UUID run) {
            socket.sendText(JSON.writeValueAsString(Map.of("type", "subscribe_run", "runId", run)), true)
                    .join();
        }

        List<JsonNode> events(UUID run) {
            return List.copyOf(events.getOrDefault(run, List.of()));
        }

        List<String> types(UUID run) {
            return AgentDeliveryEndToEndTest.types(events(run));
        }

        boolean has(UUID run, String type) {
            return types(run).contains(type);
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                JsonNode message = JSON.readTree(partial.toString());
                partial.setLength(0);
                if ("run_event".equals(message.path("type").asString(""))) {
                    events.computeIfAbsent(
                                    UUID.fromString(message.get("runId").asString()),
                                    run -> new CopyOnWriteArrayList<>())
                            .add(message.get("event"));
                }
            }
            webSocket.request(1);
            return null;
        }

        void close() {
            socket.abort();
        }
    }

    // --- REST helpers ------------------------------------------------------------------------------------------

    private static JsonNode awaitTerminal(UUID run) {
        JsonNode[] last = new JsonNode[1];
        await().atMost(RUN_TIMEOUT).pollInterval(Duration.ofMillis(100)).until(() -> {
            last[0] = rest.get("/api/runs/" + run);
            return List.of("completed", "failed", "cancelled")
                    .contains(last[0].get("status").asString());
        });
        return last[0];
    }

    private static List<JsonNode> events(UUID run) {
        return rest.get("/api/runs/" + run + "/events?limit=5000")
                .get("items")
                .valueStream()
                .toList();
    }

    private static List<String> types(List<JsonNode> events) {
        return events.stream().map(e -> e.get("eventType").asString()).toList();
    }

    private static JsonNode payload(List<JsonNode> events, String type) {
        return events.stream()
                .filter(e -> e.get("eventType").asString().equals(type))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no " + type + " among " + types(events)))
                .get("payload");
    }

    /** The output lines of the task's shell commands (not the agent's own stray lines). */
    private static List<String> commandOutput(List<JsonNode> events) {
        return events.stream()
                .filter(e -> e.get("eventType").asString().equals("run.log"))
                .filter(e -> e.get("payload").has("commandIndex"))
                .map(e -> e.get("message").asString())
                .toList();
    }

    private static List<String> strings(JsonNode array) {
        return array.valueStream().map(JsonNode::asString).toList();
    }

    /** A failing end-to-end test is hard to read without the services' own logs. */
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
