package dev.agentcenter.runner.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * The real Codex and Claude Code CLIs (the versions pinned in {@code src/test/agent-clis/package.json}, installed by
 * the build into {@code target/agent-clis}), started by the runner exactly as in production, talking to a fake model
 * server on 127.0.0.1 ({@link FakeModelServer}) through {@code AGENT_OPENAI_BASE_URL} / {@code
 * AGENT_ANTHROPIC_BASE_URL}. No network beyond loopback is needed; nothing of the CLIs is mocked.
 *
 * <p>Without the installed CLIs (no npm on a developer's machine) the tests are skipped; with {@code CI=true} they
 * fail instead. The CLIs are slow to start on a loaded machine, so every wait is generous and none is a timing
 * assertion.
 */
class RealAgentCliTest extends AgentFixture {

    static final Path CLIS = Path.of("target/agent-clis/node_modules/.bin").toAbsolutePath();
    static final FakeModelServer MODEL = FakeModelServer.start();
    static final String OPENAI_KEY = "sk-proj-" + "realcliOPENAIkey0123456789abcdefghij";
    static final String ANTHROPIC_KEY = "sk-ant-api03-" + "realcliANTHROPICkey0123456789abcdef";
    static final String CODEX_MODEL = "gpt-test-model";
    static final String CLAUDE_MODEL = "claude-sonnet-4-5";
    static final Duration GENEROUS = Duration.ofMinutes(5);

    @DynamicPropertySource
    static void realClis(DynamicPropertyRegistry registry) {
        registry.add(
                "agent-center.agents.codex-path", () -> CLIS.resolve("codex").toString());
        registry.add(
                "agent-center.agents.claude-path", () -> CLIS.resolve("claude").toString());
        registry.add("agent-center.agents.timeout", () -> "600s");
        registry.add("agent-center.agents.openai-api-key", () -> "");
        registry.add("agent-center.agents.anthropic-api-key", () -> "");
        registry.add("agent-center.agents.openai-base-url", MODEL::openaiBaseUrl);
        registry.add("agent-center.agents.anthropic-base-url", MODEL::anthropicBaseUrl);
    }

    @BeforeAll
    static void theClisAreInstalled() {
        RealClis.assumeInstalled(CLIS);
        MODEL.acceptKey(OPENAI_KEY);
        MODEL.acceptKey(ANTHROPIC_KEY);
    }

    @AfterAll
    static void stopTheModel() {
        MODEL.close();
    }

    @BeforeEach
    void credentials() {
        db.sql("DELETE FROM credentials").update();
        storeCredential("openai", "api_key", OPENAI_KEY);
        storeCredential("anthropic", "api_key", ANTHROPIC_KEY);
    }

    // ---- Codex ----------------------------------------------------------------------------------------------------

    @Test
    void codexEditsAFileAndAFollowUpResumesItsSessionWithPerRunUsageAndFreshIds() throws IOException {
        UUID task = newTask(null);
        String first = "Add a greeting scenario=edit " + unique();
        Handle run = queueAgent(task, "api", first, agent("codex", CODEX_MODEL), List.of("cat hello.txt"), "safe");
        execute(run);
        awaitStatus(run, "completed", GENEROUS);

        Path workspace = Path.of(column(run, "workspace_path"));
        assertThat(workspace.resolve("hello.txt")).hasContent("hello from codex");
        List<JsonNode> events = events(run);
        assertThat(agentTypes(events))
                .startsWith("agent.started", "agent.session.started")
                .contains("agent.reasoning", "agent.message", "agent.usage")
                .endsWith("agent.finished")
                .doesNotContain("agent.retry", "agent.permission_denied");
        assertThat(errorLevel(events)).isEmpty();
        List<JsonNode> calls = all(events, "agent.tool_call");
        assertThat(calls).extracting(c -> text(c, "tool")).containsExactly("command", "file_change");
        assertThat(text(calls.get(0), "title")).contains("ls");
        assertThat(text(calls.get(1), "title")).startsWith("add ").endsWith("hello.txt");
        assertThat(all(events, "agent.tool_result"))
                .extracting(r -> text(r, "status"))
                .containsExactly("ok", "ok");
        assertThat(text(first(events, "agent.message"), "text")).isEqualTo("I added hello.txt with a greeting.");
        JsonNode usage = first(events, "agent.usage").get("payload");
        assertThat(usage.get("inputTokens").asLong()).isEqualTo(3000);
        assertThat(usage.get("cachedInputTokens").asLong()).isEqualTo(600);
        assertThat(usage.get("outputTokens").asLong()).isEqualTo(150);
        assertThat(usage.get("reasoningOutputTokens").asLong()).isEqualTo(30);
        assertThat(usage.get("cacheWriteInputTokens").asLong()).isZero();
        String session = text(first(events, "agent.session.started"), "sessionId");
        assertThat(logLines(run)).contains("hello from codex");
        assertThat(MODEL.requestsFor(first))
                .isNotEmpty()
                .allSatisfy(r -> assertThat(r.body().get("model").asString()).isEqualTo(CODEX_MODEL));

        String second = "What does it say? scenario=follow-up " + unique();
        Handle followUp = queueAgent(task, "follow_up", second, agent("codex", CODEX_MODEL), List.of(), "safe");
        execute(followUp);
        awaitStatus(followUp, "completed", GENEROUS);

        List<JsonNode> later = events(followUp);
        JsonNode resumed = first(later, "agent.session.started").get("payload");
        assertThat(resumed.get("sessionId").asString()).isEqualTo(session);
        assertThat(resumed.get("resumed").asBoolean()).isTrue();
        assertThat(MODEL.requestsFor(second))
                .as("the resumed session sent the first conversation along")
                .allSatisfy(r -> assertThat(r.bodyText()).contains(first));
        assertThat(text(first(later, "agent.message"), "text")).isEqualTo("hello.txt says: hello from codex");
        JsonNode perRun = first(later, "agent.usage").get("payload");
        assertThat(perRun.get("inputTokens").asLong())
                .as("this run's tokens, not the thread's")
                .isEqualTo(2000);
        assertThat(perRun.get("outputTokens").asLong()).isEqualTo(100);
        assertThat(perRun.get("session").get("inputTokens").asLong()).isEqualTo(5000);
        assertThat(perRun.get("task").get("inputTokens").asLong()).isEqualTo(5000);
        assertThat(ids(later)).as("ids are unique across the task's runs").doesNotContainAnyElementsOf(ids(events));
        assertThat(errorLevel(later)).isEmpty();
        assertNoSideTraffic();
    }

    @Test
    void aFailingCodexCommandIsAToolErrorAndTheRunCarriesOn() {
        Handle run = queueAgent(
                newTask(null),
                "api",
                "Read it scenario=failing-tool " + unique(),
                agent("codex", CODEX_MODEL),
                List.of(),
                "safe");
        execute(run);
        awaitStatus(run, "completed", GENEROUS);

        List<JsonNode> events = events(run);
        JsonNode result = first(events, "agent.tool_result").get("payload");
        assertThat(result.get("status").asString()).isEqualTo("error");
        assertThat(result.get("exitCode").asInt()).isEqualTo(1);
        assertThat(result.get("output").asString()).contains("missing.txt");
        assertThat(errorLevel(events)).isEmpty();
    }

    @Test
    void aCommandTheCodexSandboxRefusesIsAPermissionDenial() throws IOException {
        // Outside the workspace and outside /tmp (which workspace-write lets Codex write to, and where the test
        // workspaces are — and maybe this very checkout, as in CI): under the user's home.
        Path outside = Files.createDirectories(
                        Path.of(System.getProperty("user.home"), ".cache", "agent-center-tests", "sandbox-probe"))
                .resolve("codex-escaped-" + unique() + ".txt");
        Handle run = queueAgent(
                newTask(null),
                "api",
                "Write outside scenario=denied target=" + outside + " " + unique(),
                agent("codex", CODEX_MODEL),
                List.of(),
                "safe");
        execute(run);
        awaitStatus(run, "completed", GENEROUS);

        assertThat(outside).doesNotExist();
        List<JsonNode> events = events(run);
        List<JsonNode> denials = all(events, "agent.permission_denied");
        assertThat(denials).hasSize(1);
        JsonNode denial = denials.getFirst().get("payload");
        assertThat(denial.get("tool").asString()).isEqualTo("command");
        assertThat(denial.get("title").asString())
                .contains(outside.getFileName().toString());
        assertThat(denial.get("reason").asString()).isNotBlank();
        assertThat(levelOf(run, "agent.permission_denied")).isEqualTo("warn");
        assertThat(first(events, "agent.finished")
                        .get("payload")
                        .get("permissionDenials")
                        .asInt())
                .isEqualTo(1);
    }

    @Test
    void anInvalidOpenAiKeyFailsWithAgentAuthFailedAndCodexsOwnMessage() {
        storeCredential("openai", "api_key", "sk-proj-" + "wrongKEY0123456789abcdefghijklmnop");
        Handle run = queueAgent(
                newTask(null),
                "api",
                "Hi scenario=edit " + unique(),
                agent("codex", CODEX_MODEL),
                List.of("echo never"),
                "safe");
        execute(run);
        awaitStatus(run, "failed", GENEROUS);

        assertThat(column(run, "error_code")).isEqualTo("agent_auth_failed");
        assertThat(column(run, "error_message"))
                .startsWith("Codex failed: unexpected status 401 Unauthorized")
                .contains("POST /api/credentials/openai")
                .doesNotContain("Reconnecting");
        List<JsonNode> events = events(run);
        assertThat(all(events, "agent.retry")).isNotEmpty();
        assertThat(levels(run, "agent.retry")).containsOnly("warn");
        assertThat(all(events, "agent.error").stream()
                        .filter(e -> "error".equals(e.get("level").asString()))
                        .toList())
                .as("one error, however often Codex repeated it")
                .hasSize(1);
        assertThat(logLines(run)).doesNotContain("never");
    }

    @Test
    void aCodexReconnectIsProgressNotFailure() {
        Handle run = queueAgent(
                newTask(null),
                "api",
                "Hi scenario=reconnect " + unique(),
                agent("codex", CODEX_MODEL),
                List.of(),
                "safe");
        execute(run);
        awaitStatus(run, "completed", GENEROUS);

        List<JsonNode> events = events(run);
        List<JsonNode> retries = all(events, "agent.retry");
        assertThat(retries).hasSize(1);
        assertThat(retries.getFirst().get("message").asString()).startsWith("Reconnecting... 1/");
        assertThat(retries.getFirst().get("payload").get("attempt").asInt()).isEqualTo(1);
        assertThat(errorLevel(events)).isEmpty();
        assertThat(text(first(events, "agent.message"), "text")).isEqualTo("Done after a reconnect.");
        assertThat(db.sql("SELECT error_code FROM runs WHERE id = :id")
                        .param("id", run.runId())
                        .query(String.class)
                        .optional())
                .isEmpty();
    }

    // ---- Claude Code ----------------------------------------------------------------------------------------------

    @Test
    void claudeEditsAFileAndAFollowUpResumesItsSessionWithPerRunUsage() {
        UUID task = newTask(null);
        String first = "Add a greeting scenario=edit " + unique();
        Handle run = queueAgent(task, "api", first, agent("claude", CLAUDE_MODEL), List.of(), "safe");
        execute(run);
        awaitStatus(run, "completed", GENEROUS);

        Path workspace = Path.of(column(run, "workspace_path"));
        assertThat(workspace.resolve("hello.txt")).hasContent("hello from claude");
        List<JsonNode> events = events(run);
        assertThat(errorLevel(events)).isEmpty();
        assertThat(agentTypes(events)).doesNotContain("agent.retry", "agent.permission_denied");
        assertThat(all(events, "agent.tool_call"))
                .extracting(c -> text(c, "tool"))
                .containsExactly("Write", "Bash");
        assertThat(all(events, "agent.tool_result"))
                .extracting(r -> text(r, "status"))
                .containsExactly("ok", "ok");
        assertThat(text(all(events, "agent.tool_result").get(1), "output")).contains("hello from claude");
        List<JsonNode> messages = all(events, "agent.message");
        assertThat(messages)
                .extracting(m -> text(m, "text"))
                .containsExactly("I'll create hello.txt with a greeting.", "Done: hello.txt now greets you.");
        for (JsonNode message : messages) {
            String item = text(message, "itemId");
            String streamed = all(events, "agent.message.delta").stream()
                    .filter(d -> item.equals(text(d, "itemId")))
                    .map(d -> text(d, "text"))
                    .reduce("", String::concat);
            assertThat(streamed).as("the deltas of %s", item).isEqualTo(text(message, "text"));
        }
        JsonNode usage = first(events, "agent.usage").get("payload");
        assertThat(usage.get("inputTokens").asLong()).isEqualTo(300);
        assertThat(usage.get("cachedInputTokens").asLong()).isEqualTo(900);
        assertThat(usage.get("cacheWriteInputTokens").asLong()).isEqualTo(60);
        assertThat(usage.get("outputTokens").asLong()).isEqualTo(120);
        double firstCost = usage.get("costUsd").asDouble();
        assertThat(firstCost).isPositive();
        assertThat(first(events, "agent.finished")
                        .get("payload")
                        .get("permissionDenials")
                        .asInt())
                .isZero();
        String session = text(first(events, "agent.session.started"), "sessionId");

        String second = "What did you do? scenario=follow-up " + unique();
        Handle followUp = queueAgent(task, "follow_up", second, agent("claude", CLAUDE_MODEL), List.of(), "safe");
        execute(followUp);
        awaitStatus(followUp, "completed", GENEROUS);

        List<JsonNode> later = events(followUp);
        JsonNode resumed = first(later, "agent.session.started").get("payload");
        assertThat(resumed.get("sessionId").asString()).isEqualTo(session);
        assertThat(resumed.get("resumed").asBoolean()).isTrue();
        assertThat(MODEL.requestsFor(second))
                .allSatisfy(r -> assertThat(r.bodyText()).contains(first));
        JsonNode perRun = first(later, "agent.usage").get("payload");
        assertThat(perRun.get("inputTokens").asLong()).isEqualTo(100);
        double secondCost = perRun.get("costUsd").asDouble();
        assertThat(secondCost)
                .as("this run's cost, not the session's")
                .isPositive()
                .isLessThan(firstCost);
        assertThat(perRun.get("session").get("costUsd").asDouble()).isCloseTo(firstCost + secondCost, within(1e-9));
        assertThat(perRun.get("session").get("inputTokens").asLong()).isEqualTo(400);
        assertThat(perRun.get("task").get("inputTokens").asLong()).isEqualTo(400);
        assertThat(ids(later)).doesNotContainAnyElementsOf(ids(events));
        assertThat(errorLevel(later)).isEmpty();
        assertNoSideTraffic();
    }

    @Test
    void aFailingClaudeToolIsAToolErrorAndTheRunCarriesOn() {
        Handle run = queueAgent(
                newTask(null),
                "api",
                "Read it scenario=failing-tool " + unique(),
                agent("claude", CLAUDE_MODEL),
                List.of(),
                "safe");
        execute(run);
        awaitStatus(run, "completed", GENEROUS);

        List<JsonNode> events = events(run);
        JsonNode result = first(events, "agent.tool_result").get("payload");
        assertThat(result.get("tool").asString()).isEqualTo("Read");
        assertThat(result.get("status").asString()).isEqualTo("error");
        assertThat(result.has("denied")).isFalse();
        assertThat(agentTypes(events)).doesNotContain("agent.permission_denied");
        assertThat(errorLevel(events)).isEmpty();
    }

    @Test
    void aClaudeCommandNeedingApprovalIsAPermissionDenial() {
        Handle run = queueAgent(
                newTask(null),
                "api",
                "Fetch it scenario=denied " + unique(),
                agent("claude", CLAUDE_MODEL),
                List.of(),
                "safe");
        execute(run);
        awaitStatus(run, "completed", GENEROUS);

        assertThat(Path.of(column(run, "workspace_path")).resolve("fetched.txt"))
                .doesNotExist();
        List<JsonNode> events = events(run);
        List<JsonNode> denials = all(events, "agent.permission_denied");
        assertThat(denials).hasSize(1);
        JsonNode denial = denials.getFirst().get("payload");
        assertThat(denial.get("tool").asString()).isEqualTo("Bash");
        assertThat(denial.get("title").asString()).contains("curl");
        assertThat(denial.get("reason").asString()).isNotBlank();
        String callId = denial.get("callId").asString();
        JsonNode result = all(events, "agent.tool_result").stream()
                .filter(r -> callId.equals(text(r, "callId")))
                .findFirst()
                .orElseThrow()
                .get("payload");
        assertThat(result.get("status").asString()).isEqualTo("error");
        assertThat(result.get("denied").asBoolean()).isTrue();
        assertThat(first(events, "agent.finished")
                        .get("payload")
                        .get("permissionDenials")
                        .asInt())
                .isEqualTo(1);
    }

    @Test
    void claudeYoloWorksWhenTheRunnerIsRoot() {
        Handle run = queueAgent(
                newTask(null),
                "api",
                "Run it scenario=yolo-bash " + unique(),
                agent("claude", CLAUDE_MODEL),
                List.of(),
                "yolo");
        execute(run);
        awaitStatus(run, "completed", GENEROUS);

        assertThat(Path.of(column(run, "workspace_path")).resolve("bash.txt")).hasContent("from bash");
        List<JsonNode> events = events(run);
        assertThat(text(first(events, "agent.session.started"), "sessionId")).isNotBlank();
        assertThat(errorLevel(events)).isEmpty();
    }

    @Test
    void anInvalidAnthropicKeyFailsSoonWithAgentAuthFailed() {
        storeCredential("anthropic", "api_key", "sk-ant-api03-" + "wrongKEY0123456789abcdefghijklmn");
        Handle run = queueAgent(
                newTask(null),
                "api",
                "Hi scenario=edit " + unique(),
                agent("claude", CLAUDE_MODEL),
                List.of("echo never"),
                "safe");
        execute(run);
        awaitStatus(run, "failed", GENEROUS);

        assertThat(column(run, "error_code")).isEqualTo("agent_auth_failed");
        assertThat(column(run, "error_message")).contains("401").contains("POST /api/credentials/anthropic");
        List<JsonNode> events = events(run);
        assertThat(all(events, "agent.retry")).isNotEmpty();
        assertThat(levels(run, "agent.retry")).containsOnly("warn");
        assertThat(all(events, "agent.message"))
                .as("an API error is not a reply")
                .isEmpty();
        assertThat(logLines(run)).doesNotContain("never");
    }

    @Test
    void aClaudeApiRetryIsProgressNotFailure() {
        Handle run = queueAgent(
                newTask(null),
                "api",
                "Hi scenario=retry " + unique(),
                agent("claude", CLAUDE_MODEL),
                List.of(),
                "safe");
        execute(run);
        awaitStatus(run, "completed", GENEROUS);

        List<JsonNode> events = events(run);
        List<JsonNode> retries = all(events, "agent.retry");
        assertThat(retries).hasSize(1);
        assertThat(retries.getFirst().get("payload").get("status").asInt()).isEqualTo(529);
        assertThat(errorLevel(events)).isEmpty();
        assertThat(all(events, "agent.message"))
                .extracting(m -> text(m, "text"))
                .containsExactly("Done after a retry.");
    }

    // ---- helpers --------------------------------------------------------------------------------------------------

    /** Only the two model APIs were asked: no other path of the fake server was tried. */
    private static void assertNoSideTraffic() {
        assertThat(MODEL.requests())
                .extracting(FakeModelServer.Request::path)
                .containsOnly("/v1/responses", "/v1/messages");
    }

    private static String text(JsonNode event, String field) {
        JsonNode value = event.get("payload").get(field);
        return value == null || value.isNull() ? null : value.asString();
    }

    /** Every call and item id of a run's agent events. */
    private static Set<String> ids(List<JsonNode> events) {
        Set<String> ids = new HashSet<>();
        for (JsonNode event : events) {
            for (String field : List.of("callId", "itemId")) {
                JsonNode id = event.get("payload").get(field);
                if (id != null && id.isString()) {
                    ids.add(id.asString());
                }
            }
        }
        return ids;
    }

    private static List<String> errorLevel(List<JsonNode> events) {
        return events.stream()
                .filter(e -> e.get("event_type").asString().startsWith("agent."))
                .filter(e -> "error".equals(e.get("level").asString()))
                .map(e ->
                        e.get("event_type").asString() + ": " + e.get("message").asString())
                .toList();
    }

    private List<String> levels(Handle run, String type) {
        return db.sql("SELECT level FROM run_events WHERE run_id = :id AND event_type = :type ORDER BY sequence")
                .param("id", run.runId())
                .param("type", type)
                .query(String.class)
                .list();
    }
}
