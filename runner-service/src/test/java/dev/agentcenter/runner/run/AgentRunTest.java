package dev.agentcenter.runner.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agentcenter.runner.agent.Agents;
import dev.agentcenter.support.SecretBinding;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * Runs with {@code config.agent}: the runner starts fake Codex and Claude Code CLIs (bash scripts printing recorded
 * streams of the real formats, see {@code src/test/resources/fake-agents/README.md}) exactly as it would start the
 * real ones, and the tests check the command lines, the credential hand-over and the {@code agent.*} events.
 */
class AgentRunTest extends AgentFixture {

    static final Path FAKES = copyFakeAgents();
    static final String RUNNER_ANTHROPIC_KEY = "sk-ant-runner-fallback-0123456789abcdefghij";

    @DynamicPropertySource
    static void agentSettings(DynamicPropertyRegistry registry) {
        registry.add(
                "agent-center.agents.codex-path", () -> FAKES.resolve("codex").toString());
        registry.add(
                "agent-center.agents.claude-path", () -> FAKES.resolve("claude").toString());
        registry.add("agent-center.agents.timeout", () -> "10s");
        // The fake CLIs write down how they were called next to themselves, outside any workspace: this class tests
        // the runner and the agents' protocol on the host; RealAgentCliTest runs the real CLIs in the sandbox.
        registry.add("agent-center.sandbox.mode", () -> "none");
        // The runner's own keys: none for OpenAI (so a missing credential can be tested), one for Anthropic.
        registry.add("agent-center.agents.openai-api-key", () -> "");
        registry.add("agent-center.agents.anthropic-api-key", () -> RUNNER_ANTHROPIC_KEY);
        // Gateways: nothing listens there, the fakes only show what they were given.
        registry.add("agent-center.agents.openai-base-url", () -> "http://127.0.0.1:4000/v1/");
        registry.add("agent-center.agents.anthropic-base-url", () -> "http://127.0.0.1:4000");
    }

    /** What Codex is given before its subcommand: no plugin or analytics traffic, and the gateway as provider. */
    static final List<String> CODEX_OPTIONS = List.of(
            "-c",
            "features.plugins=false",
            "-c",
            "features.remote_plugin=false",
            "-c",
            "analytics.enabled=false",
            "-c",
            "model_provider=agentcenter",
            "-c",
            "model_providers.agentcenter={name=\"Agent Center gateway\", base_url=\"http://127.0.0.1:4000/v1\","
                    + " env_key=\"OPENAI_API_KEY\", wire_api=\"responses\", supports_websockets=false}");

    static List<String> codexArgs(String... rest) {
        List<String> args = new java.util.ArrayList<>(CODEX_OPTIONS);
        args.addAll(List.of(rest));
        return args;
    }

    @BeforeEach
    void noStoredCredentials() {
        db.sql("DELETE FROM credentials").update();
    }

    @Test
    void codexRunsWithItsFlagsAndStoredKeyThenTheCommandsRunWithoutIt() {
        String key = "sk-proj-" + "codexkeyABCDEFGHIJKLMNOPQRSTUV0123456789";
        storeCredential("openai", "api_key", key);
        UUID task = newTask(null);
        String token = unique();
        Handle run = queueAgent(
                task,
                "api",
                "Add a greeting scenario=basic " + token,
                agent("codex", "gpt-test"),
                List.of("cat hello.txt", "env"),
                "safe");

        execute(run);
        awaitStatus(run, "completed");

        Map<String, List<String>> call = call("codex", token);
        Path workspace = ROOT.resolve("workspaces").resolve(task.toString()).toAbsolutePath();
        Path codexHome =
                ROOT.resolve("workspaces/.agent-state").resolve(task.toString()).resolve("codex");
        assertThat(call.get("arg"))
                .containsExactlyElementsOf(codexArgs(
                        "exec",
                        "--json",
                        "--skip-git-repo-check",
                        "--model=gpt-test",
                        "--sandbox",
                        "workspace-write",
                        "-"));
        assertThat(call.get("cwd")).containsExactly(workspace.toString());
        assertThat(call.get("prompt").getFirst()).startsWith("Add a greeting");
        assertThat(call.get("OPENAI_API_KEY")).containsExactly(key);
        assertThat(call.get("CODEX_API_KEY")).containsExactly(key);
        assertThat(call.get("CODEX_HOME"))
                .containsExactly(codexHome.toAbsolutePath().toString());
        assertThat(call.get("auth.json")).containsExactly("<none>");
        assertThat(call.get("GITHUB_TOKEN")).containsExactly("<unset>");
        assertThat(codexHome).isDirectory();
        assertThat(PosixFilePermissions.toString(permissions(codexHome))).isEqualTo("rwx------");

        List<JsonNode> events = events(run);
        // codex-basic.jsonl, recorded from the real CLI: its warning about the unknown model, a reasoning summary,
        // ls, the file change, a command that fails, the answer, the usage.
        assertThat(agentTypes(events))
                .containsExactly(
                        "agent.started",
                        "agent.session.started",
                        "agent.error",
                        "agent.reasoning",
                        "agent.tool_call",
                        "agent.tool_result",
                        "agent.tool_call",
                        "agent.tool_result",
                        "agent.tool_call",
                        "agent.tool_result",
                        "agent.message",
                        "agent.usage",
                        "agent.finished");
        assertThat(levelOf(run, "agent.error"))
                .as("a warning Codex carries on after")
                .isEqualTo("warn");
        JsonNode started = first(events, "agent.started").get("payload");
        assertThat(started.get("baseUrl").asString()).isEqualTo("http://127.0.0.1:4000/v1");
        JsonNode session = first(events, "agent.session.started").get("payload");
        assertThat(session.get("provider").asString()).isEqualTo("codex");
        assertThat(session.get("sessionId").asString()).matches("[0-9a-f-]{36}");
        assertThat(session.get("model").asString()).isEqualTo("gpt-test");
        assertThat(session.get("resumed").asBoolean()).isFalse();

        List<JsonNode> calls = all(events, "agent.tool_call");
        assertThat(calls.getFirst().get("payload").get("tool").asString()).isEqualTo("command");
        assertThat(calls.getFirst().get("payload").get("title").asString()).isEqualTo("/bin/bash -c ls");
        assertThat(calls.getFirst().get("payload").get("callId").asString())
                .as("prefixed with the run's attempt")
                .isEqualTo("run1:item_2");
        assertThat(calls.getFirst().get("payload").get("input").toString())
                .isEqualTo("{\"command\":\"/bin/bash -c ls\"}");
        assertThat(calls.get(1).get("payload").get("input"))
                .isEqualTo(JSON.readTree("{\"changes\":[{\"path\":\"/workspace/hello.txt\",\"kind\":\"add\"}]}"));
        assertThat(calls.get(1).get("payload").get("tool").asString()).isEqualTo("file_change");
        assertThat(calls.get(1).get("payload").get("title").asString()).isEqualTo("add /workspace/hello.txt");
        List<JsonNode> results = all(events, "agent.tool_result");
        assertThat(results.get(0).get("payload").toString())
                .contains("\"status\":\"ok\"")
                .contains("\"exitCode\":0");
        assertThat(results.get(1).get("payload").get("callId").asString()).isEqualTo("run1:item_3");
        assertThat(results.get(2).get("payload").get("status").asString()).isEqualTo("error");
        assertThat(results.get(2).get("payload").get("exitCode").asInt()).isEqualTo(1);
        assertThat(results.get(2).get("payload").get("output").asString())
                .isEqualTo("cat: missing.txt: No such file or directory\n");
        JsonNode message = first(events, "agent.message");
        assertThat(message.get("message").asString()).isEqualTo("I added hello.txt with a greeting.");
        assertThat(message.get("payload").get("text").asString()).isEqualTo("I added hello.txt with a greeting.");
        assertThat(message.get("payload").get("itemId").asString()).isEqualTo("run1:item_5");
        JsonNode usage = first(events, "agent.usage").get("payload");
        assertThat(usage.get("inputTokens").asLong()).isEqualTo(4000);
        assertThat(usage.get("outputTokens").asLong()).isEqualTo(200);
        assertThat(usage.get("cachedInputTokens").asLong()).isEqualTo(800);
        assertThat(usage.get("reasoningOutputTokens").asLong()).isEqualTo(40);
        assertThat(usage.get("cacheWriteInputTokens").asLong()).isZero();
        assertThat(usage.get("sessionId").asString())
                .isEqualTo(session.get("sessionId").asString());
        assertThat(usage.get("task").get("inputTokens").asLong()).isEqualTo(4000);
        assertThat(usage.has("costUsd")).isFalse();
        assertThat(first(events, "agent.finished")
                        .get("payload")
                        .get("permissionDenials")
                        .asInt())
                .isZero();

        // The agent's stderr is kept as output, marked as the agent's.
        JsonNode stderr = events.stream()
                .filter(e ->
                        "Reading prompt from stdin...".equals(e.get("message").asString()))
                .findFirst()
                .orElseThrow();
        assertThat(stderr.get("event_type").asString()).isEqualTo("run.log");
        assertThat(stderr.get("payload").get("stream").asString()).isEqualTo("stderr");
        assertThat(stderr.get("payload").get("source").asString()).isEqualTo("agent");

        // The commands ran after the agent, on its work, and without its credential.
        assertThat(types(events).indexOf("agent.finished"))
                .isLessThan(types(events).indexOf("run.command.started"));
        List<String> lines = logLines(run);
        assertThat(lines).contains("hello from codex");
        assertThat(lines)
                .noneMatch(line -> line.startsWith("OPENAI_API_KEY=")
                        || line.startsWith("CODEX_API_KEY=")
                        || line.startsWith("CODEX_HOME=")
                        || line.contains(key));
        assertThat(db.sql("SELECT files::text FROM run_diffs WHERE run_id = :id")
                        .param("id", run.runId())
                        .query(String.class)
                        .single())
                .contains("hello.txt");
        assertThat(db.sql("SELECT error_code IS NULL FROM runs WHERE id = :id")
                        .param("id", run.runId())
                        .query(Boolean.class)
                        .single())
                .isTrue();
    }

    @Test
    void aFollowUpResumesTheCodexSessionAndARetryStartsAFreshOne() {
        storeCredential("openai", "api_key", "sk-" + "followupkey0123456789ABCDEFGH");
        UUID task = newTask(null);
        String first = unique();
        Handle run = queueAgent(task, "api", "Start scenario=basic " + first, agent("codex", null), List.of(), "safe");
        execute(run);
        awaitStatus(run, "completed");
        String session = first(events(run), "agent.session.started")
                .get("payload")
                .get("sessionId")
                .asString();

        String second = unique();
        Handle followUp = queueAgent(
                task, "follow_up", "Now polish it scenario=basic " + second, agent("codex", null), List.of(), "yolo");
        execute(followUp);
        awaitStatus(followUp, "completed");

        Map<String, List<String>> call = call("codex", second);
        assertThat(call.get("arg"))
                .containsExactlyElementsOf(codexArgs(
                        "exec",
                        "--json",
                        "--skip-git-repo-check",
                        "--dangerously-bypass-approvals-and-sandbox",
                        "resume",
                        session,
                        "-"));
        assertThat(call.get("prompt").getFirst()).startsWith("Now polish it");
        List<JsonNode> events = events(followUp);
        JsonNode started = first(events, "agent.started").get("payload");
        assertThat(started.get("resumeSessionId").asString()).isEqualTo(session);
        assertThat(started.get("promptSource").asString()).isEqualTo("follow_up");
        JsonNode resumed = first(events, "agent.session.started").get("payload");
        assertThat(resumed.get("sessionId").asString()).isEqualTo(session);
        assertThat(resumed.get("resumed").asBoolean()).isTrue();

        String third = unique();
        Handle retry =
                queueAgent(task, "retry", "Again scenario=basic " + third, agent("codex", null), List.of(), "safe");
        execute(retry);
        awaitStatus(retry, "completed");
        assertThat(call("codex", third).get("arg")).doesNotContain("resume");
    }

    @Test
    void claudeStreamsTheReplyWhileItIsWrittenAndResumesOnAFollowUp() throws IOException {
        String key = "sk-ant-" + "storedclaudekey0123456789abcdefghij";
        storeCredential("anthropic", "api_key", key);
        UUID task = newTask(null);
        String token = unique();
        Path gate = FAKES.resolve("gate-" + token);
        Handle run = queueAgent(
                task,
                "api",
                "Write a greeting scenario=basic gate=" + gate + " " + token,
                agent("claude", "claude-test"),
                List.of(),
                "safe");

        execute(run);
        // The fake holds back the rest of its stream until the gate exists: the first delta is stored while the
        // agent is still writing.
        await().atMost(Duration.ofSeconds(30))
                .until(() -> agentTypes(events(run)).contains("agent.message.delta"));
        assertThat(column(run, "status")).isEqualTo("running");
        assertThat(all(events(run), "agent.message.delta"))
                .extracting(e -> e.get("message").asString())
                .containsExactly("I'll create");
        Files.createFile(gate);
        awaitStatus(run, "completed");

        Map<String, List<String>> call = call("claude", token);
        assertThat(call.get("arg"))
                .containsExactly(
                        "-p",
                        "--output-format",
                        "stream-json",
                        "--verbose",
                        "--include-partial-messages",
                        "--model=claude-test",
                        "--permission-mode",
                        "acceptEdits");
        assertThat(call.get("ANTHROPIC_API_KEY")).containsExactly(key);
        assertThat(call.get("CLAUDE_CONFIG_DIR"))
                .containsExactly(ROOT.resolve("workspaces/.agent-state")
                        .resolve(task.toString())
                        .resolve("claude")
                        .toAbsolutePath()
                        .toString());

        assertThat(call.get("ANTHROPIC_BASE_URL")).containsExactly("http://127.0.0.1:4000");
        for (String quiet : List.of(
                "DISABLE_TELEMETRY",
                "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC",
                "DISABLE_AUTOUPDATER",
                "DISABLE_ERROR_REPORTING")) {
            assertThat(call.get(quiet)).as(quiet).containsExactly("1");
        }
        assertThat(call.get("IS_SANDBOX")).as("only for yolo").containsExactly("<unset>");

        List<JsonNode> events = events(run);
        // claude-basic.jsonl, recorded from the real CLI: a text block and a Write, a Bash call, a closing text.
        assertThat(agentTypes(events))
                .containsExactly(
                        "agent.started",
                        "agent.session.started",
                        "agent.message.delta",
                        "agent.message.delta",
                        "agent.message.delta",
                        "agent.message",
                        "agent.tool_call",
                        "agent.tool_result",
                        "agent.tool_call",
                        "agent.tool_result",
                        "agent.message.delta",
                        "agent.message.delta",
                        "agent.message.delta",
                        "agent.message",
                        "agent.usage",
                        "agent.finished");
        List<JsonNode> messages = all(events, "agent.message");
        for (JsonNode message : messages) {
            String item = message.get("payload").get("itemId").asString();
            String streamed = all(events, "agent.message.delta").stream()
                    .filter(d -> d.get("payload").get("itemId").asString().equals(item))
                    .map(d -> d.get("payload").get("text").asString())
                    .reduce("", String::concat);
            assertThat(streamed)
                    .as("deltas of %s, in order", item)
                    .isEqualTo(message.get("message").asString());
        }
        assertThat(messages)
                .extracting(m -> m.get("message").asString())
                .containsExactly("I'll create hello.txt with a greeting.", "Done: hello.txt now greets you.");
        JsonNode write = all(events, "agent.tool_call").getFirst().get("payload");
        assertThat(write.get("tool").asString()).isEqualTo("Write");
        assertThat(write.get("title").asString()).isEqualTo("/workspace/hello.txt");
        assertThat(write.get("input").get("content").asString()).isEqualTo("hello from claude\n");
        JsonNode bash = all(events, "agent.tool_result").get(1).get("payload");
        assertThat(bash.get("tool").asString()).isEqualTo("Bash");
        assertThat(bash.get("status").asString()).isEqualTo("ok");
        assertThat(bash.get("output").asString()).isEqualTo("hello from claude");
        JsonNode usage = first(events, "agent.usage").get("payload");
        assertThat(usage.get("costUsd").asDouble()).isEqualTo(0.003195);
        assertThat(usage.get("inputTokens").asLong()).isEqualTo(300);
        assertThat(usage.get("outputTokens").asLong()).isEqualTo(120);
        assertThat(usage.get("cachedInputTokens").asLong()).isEqualTo(900);
        assertThat(usage.get("cacheWriteInputTokens").asLong()).isEqualTo(60);
        assertThat(usage.get("session").get("costUsd").asDouble()).isEqualTo(0.003195);
        JsonNode debug = events.stream()
                .filter(e -> e.get("message").asString().startsWith("[SandboxDebug]"))
                .findFirst()
                .orElseThrow();
        assertThat(debug.get("event_type").asString()).isEqualTo("run.log");
        assertThat(debug.get("payload").get("stream").asString()).isEqualTo("stdout");
        String session = first(events, "agent.session.started")
                .get("payload")
                .get("sessionId")
                .asString();

        String next = unique();
        Handle followUp = queueAgent(task, "follow_up", "And now? " + next, agent("claude", null), List.of(), "yolo");
        execute(followUp);
        awaitStatus(followUp, "completed");
        Map<String, List<String>> resumed = call("claude", next);
        assertThat(resumed.get("IS_SANDBOX"))
                .as("yolo as root: Claude Code refuses bypassPermissions as root without it")
                .containsExactly(Agents.runningAsRoot() ? "1" : "<unset>");
        assertThat(resumed.get("arg"))
                .containsExactly(
                        "-p",
                        "--output-format",
                        "stream-json",
                        "--verbose",
                        "--include-partial-messages",
                        "--permission-mode",
                        "bypassPermissions",
                        "--resume=" + session);
    }

    @Test
    void secretsTheAgentPrintsAreRedactedEverywhere() {
        String key = "sk-" + "leakykeyABCDEFGHIJKLMNOPQRSTUVWXYZ0123";
        storeCredential("openai", "api_key", key);
        Handle codex = queueAgent(
                newTask(null), "api", "Tell me scenario=leak " + unique(), agent("codex", null), List.of(), "safe");
        execute(codex);
        awaitStatus(codex, "completed");
        String stored = everything(codex);
        assertThat(stored).doesNotContain(key).contains("[REDACTED]");
        assertThat(first(events(codex), "agent.message").get("message").asString())
                .isEqualTo("The key is [REDACTED]");
        List<String> agentLines =
                db.sql("""
                        SELECT message FROM run_events WHERE run_id = :id AND event_type = 'run.log'
                           AND payload ->> 'source' = 'agent' ORDER BY sequence""").param("id", codex.runId()).query(String.class).list();
        assertThat(agentLines).contains("not JSON, and it names [REDACTED]", "debug: key=[REDACTED]");

        // Claude with the runner's own key (no stored Anthropic credential): used, and redacted just the same.
        String token = unique();
        Handle claude = queueAgent(
                newTask(null), "api", "Tell me scenario=leak " + token, agent("claude", null), List.of(), "safe");
        execute(claude);
        awaitStatus(claude, "completed");
        assertThat(call("claude", token).get("ANTHROPIC_API_KEY")).containsExactly(RUNNER_ANTHROPIC_KEY);
        assertThat(first(events(claude), "agent.started")
                        .get("payload")
                        .get("credential")
                        .asString())
                .isEqualTo("runner_environment");
        assertThat(everything(claude)).doesNotContain(RUNNER_ANTHROPIC_KEY).contains("My key: [REDACTED]");
    }

    @Test
    void aCodexSignInIsWrittenForTheAgentOnlyAndRefreshedTokensAreKept() throws Exception {
        String access = "eyJhbGciOiJSUzI1NiJ9.accesstoken-" + UUID.randomUUID();
        String refresh = "rt_" + UUID.randomUUID().toString().replace("-", "");
        String authJson = "{\"OPENAI_API_KEY\": null, \"tokens\": {\"id_token\": \"idtoken-" + UUID.randomUUID()
                + "\", \"access_token\": \"" + access + "\", \"refresh_token\": \"" + refresh
                + "\", \"account_id\": \"acc-123\"}, \"last_refresh\": \"2025-01-01T00:00:00Z\"}";
        storeCredential("openai", "codex_auth_json", authJson);
        UUID task = newTask(null);
        String token = unique();
        Handle run = queueAgent(
                task, "api", "Leak it scenario=leak " + token, agent("codex", null), List.of("env", "ls -a"), "safe");
        execute(run);
        awaitStatus(run, "completed");

        Map<String, List<String>> call = call("codex", token);
        assertThat(call.get("auth.json")).containsExactly(authJson);
        assertThat(call.get("auth.json.mode")).containsExactly("600");
        assertThat(call.get("OPENAI_API_KEY")).containsExactly("<unset>");
        Path codexHome = Path.of(call.get("CODEX_HOME").getFirst());
        assertThat(codexHome.startsWith(Path.of(column(run, "workspace_path"))))
                .as("outside the workspace")
                .isFalse();
        assertThat(codexHome.resolve("auth.json")).as("deleted after the run").doesNotExist();
        assertThat(everything(run)).doesNotContain(access).contains("The key is [REDACTED]");
        assertThat(logLines(run)).noneMatch(line -> line.startsWith("CODEX_HOME=") || line.contains("auth.json"));

        String refreshToken = unique();
        Handle refreshing = queueAgent(
                task, "follow_up", "Go scenario=refresh " + refreshToken, agent("codex", null), List.of(), "safe");
        execute(refreshing);
        awaitStatus(refreshing, "completed");
        assertThat(call("codex", refreshToken).get("auth.json").getFirst()).contains(access);
        String nowStored = secrets.open(
                db.sql("SELECT ciphertext FROM credentials WHERE provider = 'openai'")
                        .query(byte[].class)
                        .single(),
                SecretBinding.credential("openai", "codex_auth_json"));
        assertThat(nowStored).contains("refreshed-access-token-0123456789").contains(refresh);
        assertThat(codexHome.resolve("auth.json")).doesNotExist();
    }

    /** Issue 12, finding 7: the run put another account's sign-in into CODEX_HOME; it must not become the credential. */
    @Test
    void aSignInOfAnotherAccountLeftByTheRunIsNotStored() {
        String authJson = "{\"OPENAI_API_KEY\": null, \"tokens\": {\"id_token\": \"idtoken-" + UUID.randomUUID()
                + "\", \"access_token\": \"at-" + UUID.randomUUID() + "\", \"refresh_token\": \"rt_"
                + UUID.randomUUID().toString().replace("-", "") + "\", \"account_id\": \"acc-123\"},"
                + " \"last_refresh\": \"2025-01-01T00:00:00Z\"}";
        storeCredential("openai", "codex_auth_json", authJson);
        UUID task = newTask(null);
        String token = unique();
        Handle run = queueAgent(task, "api", "Go scenario=swap " + token, agent("codex", null), List.of(), "safe");
        execute(run);
        awaitStatus(run, "completed");

        String nowStored = secrets.open(
                db.sql("SELECT ciphertext FROM credentials WHERE provider = 'openai'")
                        .query(byte[].class)
                        .single(),
                SecretBinding.credential("openai", "codex_auth_json"));
        assertThat(nowStored).as("the stored credential is kept").isEqualTo(authJson);
        JsonNode refused = all(events(run), "agent.error").stream()
                .filter(event -> event.get("payload").path("code").asString().equals("agent_credential_refused"))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no agent_credential_refused in " + types(events(run))));
        assertThat(refused.get("payload").get("fatal").asBoolean()).isFalse();
        assertThat(refused.get("message").asString())
                .contains("not stored")
                .contains("another account")
                .doesNotContain("acc-attacker");
        assertThat(db.sql("SELECT level FROM run_events WHERE run_id = :id AND event_type = 'agent.error'")
                        .param("id", run.runId())
                        .query(String.class)
                        .list())
                .as("the refusal (and the recording's own model-metadata notice) warn; nothing fails the run")
                .containsOnly("warn");
        Path auth =
                ROOT.resolve("workspaces/.agent-state").resolve(task.toString()).resolve("codex/auth.json");
        assertThat(auth).doesNotExist();
    }

    @Test
    void cancelStopsAHangingAgentAndItsSignInFileIsRemoved() {
        storeCredential(
                "openai", "codex_auth_json", "{\"tokens\": {\"access_token\": \"at-" + UUID.randomUUID() + "\"}}");
        String marker = uniqueSleepSeconds();
        UUID task = newTask(null);
        Handle run = queueAgent(
                task,
                "api",
                "Wait scenario=hang marker=" + marker,
                agent("codex", null),
                List.of("echo never"),
                "safe");
        execute(run);
        await().atMost(Duration.ofSeconds(30)).until(() -> processesWith(marker) >= 1);
        Path auth =
                ROOT.resolve("workspaces/.agent-state").resolve(task.toString()).resolve("codex/auth.json");
        assertThat(auth).exists();

        cancel(run);

        awaitStatus(run, "cancelled");
        await().atMost(Duration.ofSeconds(30)).until(() -> processesWith(marker) == 0);
        assertThat(auth).doesNotExist();
        List<JsonNode> events = events(run);
        assertThat(types(events)).contains("agent.session.started", "agent.finished", "run.cancelled");
        assertThat(first(events, "agent.finished")
                        .get("payload")
                        .get("cancelled")
                        .asBoolean())
                .isTrue();
        assertThat(types(events)).doesNotContain("run.command.started", "agent.error");
    }

    /**
     * Finding 6 of issue 12: a credential is bound to its provider and kind. Another provider's value copied in, or
     * the kind flipped (an API key then written out as Codex's {@code auth.json}), fails the run with
     * {@code credentials_unavailable}. Before the fix the flipped kind opened.
     */
    @Test
    void aCredentialMovedToAnotherProviderOrKindIsRefused() {
        storeCredential("openai", "api_key", "sk-" + "flippedkindkey0123456789ABCDEFG");
        db.sql("UPDATE credentials SET kind = 'codex_auth_json' WHERE provider = 'openai'")
                .update();
        Handle flipped = queueAgent(
                newTask(null), "api", "Hi scenario=basic " + unique(), agent("codex", null), List.of(), "safe");
        execute(flipped);
        awaitStatus(flipped, "failed");
        assertThat(column(flipped, "error_code")).isEqualTo("credentials_unavailable");
        assertThat(column(flipped, "error_message")).contains("another row");

        storeCredential("anthropic", "api_key", "sk-ant-" + "copiedkey0123456789ABCDEFGHIJ");
        db.sql("""
                        UPDATE credentials SET kind = 'api_key',
                               ciphertext = (SELECT ciphertext FROM credentials WHERE provider = 'anthropic')
                         WHERE provider = 'openai'""").update();
        Handle copied = queueAgent(
                newTask(null), "api", "Hi scenario=basic " + unique(), agent("codex", null), List.of(), "safe");
        execute(copied);
        awaitStatus(copied, "failed");
        assertThat(column(copied, "error_code")).isEqualTo("credentials_unavailable");
    }

    @Test
    void aMissingCliOrCredentialFailsTheRunSayingWhatToDo() throws IOException {
        Handle noCredential = queueAgent(
                newTask(null), "api", "Hi scenario=basic " + unique(), agent("codex", null), List.of(), "safe");
        execute(noCredential);
        awaitStatus(noCredential, "failed");
        assertThat(column(noCredential, "error_code")).isEqualTo("agent_credentials_missing");
        assertThat(column(noCredential, "error_message"))
                .contains("No OpenAI credential")
                .contains("POST /api/credentials/openai")
                .contains("OPENAI_API_KEY");

        storeCredential("openai", "api_key", "sk-" + "missingclikey0123456789ABCDEFG");
        Path codex = FAKES.resolve("codex");
        Path aside = FAKES.resolve("codex.aside");
        Files.move(codex, aside);
        try {
            Handle noCli = queueAgent(
                    newTask(null), "api", "Hi scenario=basic " + unique(), agent("codex", null), List.of(), "safe");
            execute(noCli);
            awaitStatus(noCli, "failed");
            assertThat(column(noCli, "error_code")).isEqualTo("agent_cli_missing");
            assertThat(column(noCli, "error_message"))
                    .isEqualTo("Codex CLI not found at '" + codex + "': install it (npm i -g @openai/codex) or set"
                            + " RUNNER_CODEX_PATH to its path.");
        } finally {
            Files.move(aside, codex);
        }

        Handle noPrompt = queueAgent(newTask(null), "api", "", agent("codex", null), List.of(), "safe");
        execute(noPrompt);
        awaitStatus(noPrompt, "failed");
        assertThat(column(noPrompt, "error_code")).isEqualTo("agent_prompt_missing");
    }

    @Test
    void anAgentThatFailsFailsTheRunWithAnAgentError() {
        storeCredential("openai", "api_key", "sk-" + "failingkey0123456789ABCDEFGHIJ");
        storeCredential("anthropic", "api_key", "sk-ant-" + "failingkey0123456789ABCDEFGHIJ");

        Handle turnFailed = queueAgent(
                newTask(null),
                "api",
                "Try scenario=turn-failed " + unique(),
                agent("codex", null),
                List.of("echo never"),
                "safe");
        execute(turnFailed);
        awaitStatus(turnFailed, "failed");
        // codex-turn-failed.jsonl, recorded from the real CLI with a wrong key: five retry notices, an error, and
        // turn.failed with the same final message.
        assertThat(column(turnFailed, "error_code")).isEqualTo("agent_auth_failed");
        assertThat(column(turnFailed, "error_message"))
                .startsWith("Codex failed: unexpected status 401 Unauthorized: Incorrect API key provided")
                .endsWith("The stored OpenAI credential was refused: store a valid one with POST"
                        + " /api/credentials/openai.")
                .doesNotContain("Reconnecting");
        assertThat(column(turnFailed, "exit_code")).isEqualTo("1");
        List<JsonNode> retries = all(events(turnFailed), "agent.retry");
        assertThat(retries).hasSize(5);
        assertThat(retries.getFirst().get("payload").get("maxAttempts").asInt()).isEqualTo(5);
        assertThat(levelOf(turnFailed, "agent.retry")).isEqualTo("warn");
        List<JsonNode> errors = all(events(turnFailed), "agent.error").stream()
                .filter(e -> e.get("level").asString().equals("error"))
                .toList();
        assertThat(errors).as("reported once although Codex says it twice").hasSize(1);
        assertThat(errors.getFirst().get("payload").get("message").asString()).contains("401 Unauthorized");
        assertThat(logLines(turnFailed)).doesNotContain("never");

        // A ChatGPT sign-in this time: its auth.json is removed after a failure too.
        storeCredential(
                "openai", "codex_auth_json", "{\"tokens\": {\"access_token\": \"at-" + UUID.randomUUID() + "\"}}");
        String crashToken = unique();
        UUID crashTask = newTask(null);
        Handle crashed = queueAgent(
                crashTask, "api", "Try scenario=exit-3 " + crashToken, agent("codex", null), List.of(), "safe");
        execute(crashed);
        awaitStatus(crashed, "failed");
        assertThat(call("codex", crashToken).get("auth.json").getFirst()).contains("access_token");
        assertThat(ROOT.resolve("workspaces/.agent-state")
                        .resolve(crashTask.toString())
                        .resolve("codex/auth.json"))
                .doesNotExist();
        assertThat(column(crashed, "exit_code")).isEqualTo("3");
        assertThat(column(crashed, "error_message"))
                .startsWith("Codex exited with code 3")
                .contains("panicked at core/src/codex.rs");
        assertThat(all(events(crashed), "agent.error")).hasSize(1);

        Handle errorResult = queueAgent(
                newTask(null),
                "api",
                "Try scenario=error-result " + unique(),
                agent("claude", null),
                List.of(),
                "safe");
        execute(errorResult);
        awaitStatus(errorResult, "failed");
        // claude-error-result.jsonl, recorded from the real CLI with a wrong key: a 401 retry notice (the runner stops
        // Claude Code there), then the synthetic API-error message and an error result with subtype success.
        assertThat(column(errorResult, "error_code")).isEqualTo("agent_auth_failed");
        assertThat(column(errorResult, "error_message"))
                .startsWith("Claude Code failed: ")
                .contains("401")
                .endsWith("The stored Anthropic credential was refused: store a valid one with POST"
                        + " /api/credentials/anthropic.");
        assertThat(all(events(errorResult), "agent.error")).hasSize(1);
        assertThat(all(events(errorResult), "agent.message"))
                .as("an API error is not a reply")
                .isEmpty();
    }

    @Test
    void retriesAndDenialsAreShownAndCountedNotFailures() {
        storeCredential("openai", "api_key", "sk-" + "deniedkey0123456789ABCDEFGHIJK");
        storeCredential("anthropic", "api_key", "sk-ant-" + "deniedkey0123456789ABCDEFGHIJK");

        // Codex hid the refused command; its session file (written by the fake, recorded from the real CLI) has it.
        Handle codexDenied = queueAgent(
                newTask(null), "api", "Go scenario=denied " + unique(), agent("codex", null), List.of(), "safe");
        execute(codexDenied);
        awaitStatus(codexDenied, "completed");
        List<JsonNode> events = events(codexDenied);
        JsonNode denial = first(events, "agent.permission_denied").get("payload");
        assertThat(denial.get("tool").asString()).isEqualTo("command");
        assertThat(denial.get("title").asString()).matches("echo escaped > /outside/recording-\\d+\\.txt");
        assertThat(denial.get("reason").asString()).contains("Read-only file system");
        assertThat(denial.get("callId").asString()).startsWith("run1:");
        assertThat(types(events).indexOf("agent.permission_denied"))
                .isLessThan(types(events).indexOf("agent.finished"));
        assertThat(first(events, "agent.finished")
                        .get("payload")
                        .get("permissionDenials")
                        .asInt())
                .isEqualTo(1);

        Handle codexReconnect = queueAgent(
                newTask(null), "api", "Go scenario=reconnect " + unique(), agent("codex", null), List.of(), "safe");
        execute(codexReconnect);
        awaitStatus(codexReconnect, "completed");
        assertThat(all(events(codexReconnect), "agent.retry"))
                .extracting(e -> e.get("message").asString())
                .singleElement()
                .asString()
                .startsWith("Reconnecting... 1/5 (stream disconnected before completion");

        Handle claudeDenied = queueAgent(
                newTask(null),
                "api",
                "Go scenario=permission-denied " + unique(),
                agent("claude", null),
                List.of(),
                "safe");
        execute(claudeDenied);
        awaitStatus(claudeDenied, "completed");
        List<JsonNode> claudeEvents = events(claudeDenied);
        assertThat(all(claudeEvents, "agent.permission_denied")).hasSize(1);
        JsonNode refused = first(claudeEvents, "agent.permission_denied").get("payload");
        assertThat(refused.get("tool").asString()).isEqualTo("Bash");
        assertThat(refused.get("reason").asString()).isEqualTo("This command requires approval");
        JsonNode result = first(claudeEvents, "agent.tool_result").get("payload");
        assertThat(result.get("denied").asBoolean()).isTrue();
        assertThat(first(claudeEvents, "agent.finished")
                        .get("payload")
                        .get("permissionDenials")
                        .asInt())
                .isEqualTo(1);

        Handle claudeRetry = queueAgent(
                newTask(null), "api", "Go scenario=retry " + unique(), agent("claude", null), List.of(), "safe");
        execute(claudeRetry);
        awaitStatus(claudeRetry, "completed");
        JsonNode retry = first(events(claudeRetry), "agent.retry").get("payload");
        assertThat(retry.get("status").asInt()).isEqualTo(529);
        assertThat(retry.get("error").asString()).isEqualTo("overloaded");
        assertThat(levelOf(claudeRetry, "agent.retry")).isEqualTo("warn");
    }

    @Test
    void anAgentRunningPastItsTimeoutIsStopped() {
        storeCredential("anthropic", "api_key", "sk-ant-" + "timeoutkey0123456789ABCDEFGHIJ");
        String marker = uniqueSleepSeconds();
        Handle run = queueAgent(
                newTask(null), "api", "Wait scenario=hang marker=" + marker, agent("claude", null), List.of(), "safe");
        execute(run);
        awaitStatus(run, "failed");
        assertThat(column(run, "error_code")).isEqualTo("agent_timed_out");
        assertThat(column(run, "error_message")).contains("RUNNER_AGENT_TIMEOUT_SECONDS");
        await().atMost(Duration.ofSeconds(30)).until(() -> processesWith(marker) == 0);
    }

    // ---- helpers ----------------------------------------------------------------------------------------------

    /** How the fake CLI was called for the prompt holding {@code token}. */
    private static Map<String, List<String>> call(String cli, String token) {
        try (Stream<Path> files = Files.list(FAKES.resolve("calls"))) {
            for (Path file : files.filter(f -> f.getFileName().toString().startsWith(cli + "-"))
                    .toList()) {
                List<String> lines = Files.readAllLines(file);
                if (lines.stream().anyMatch(line -> line.startsWith("prompt=") && line.contains(token))) {
                    Map<String, List<String>> call = new LinkedHashMap<>();
                    for (String line : lines) {
                        int equals = line.indexOf('=');
                        call.computeIfAbsent(line.substring(0, equals), k -> new ArrayList<>())
                                .add(line.substring(equals + 1));
                    }
                    return call;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        throw new AssertionError("the fake " + cli + " was not called with " + token);
    }

    /** The fake CLIs, copied out of the test classpath (which drops the executable bit) and made executable. */
    static Path copyFakeAgents() {
        try {
            Path source = Path.of(
                            AgentRunTest.class.getResource("/fake-agents/codex").toURI())
                    .getParent();
            Path target = Files.createTempDirectory("fake-agents");
            try (Stream<Path> files = Files.walk(source)) {
                for (Path file : files.toList()) {
                    Path copy = target.resolve(source.relativize(file).toString());
                    if (Files.isDirectory(file)) {
                        Files.createDirectories(copy);
                    } else {
                        Files.copy(file, copy);
                    }
                }
            }
            for (String cli : List.of("codex", "claude")) {
                Files.setPosixFilePermissions(target.resolve(cli), PosixFilePermissions.fromString("rwxr-xr-x"));
            }
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
