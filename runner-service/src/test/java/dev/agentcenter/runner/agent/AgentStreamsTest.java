package dev.agentcenter.runner.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.agentcenter.model.AgentConfig;
import dev.agentcenter.model.AgentProvider;
import dev.agentcenter.model.PermissionMode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * The stream translators on the streams the real CLIs printed ({@code fake-agents/recordings/}, recorded by {@code
 * AgentRecordingsRefresh}) and on cases no recording covers, the prompt rule, and the gateway settings.
 */
class AgentStreamsTest {

    private static final ObjectMapper JSON = JsonMapper.builder().build();

    @Test
    void codexAgentMessageUpdatesBecomeDeltasOfTheNewText() {
        CodexStream stream = new CodexStream(null, false);
        List<AgentEvent> events = feed(
                stream,
                "{\"type\":\"item.updated\",\"item\":{\"id\":\"item_0\",\"type\":\"agent_message\",\"text\":\"Hel\"}}",
                "{\"type\":\"item.updated\",\"item\":{\"id\":\"item_0\",\"type\":\"agent_message\",\"text\":\"Hello"
                        + " wor\"}}",
                "{\"type\":\"item.completed\",\"item\":{\"id\":\"item_0\",\"type\":\"agent_message\",\"text\":\"Hello"
                        + " world\"}}");

        assertThat(events)
                .extracting(AgentEvent::type)
                .containsExactly("agent.message.delta", "agent.message.delta", "agent.message");
        assertThat(events).extracting(AgentEvent::message).containsExactly("Hel", "lo wor", "Hello world");
        assertThat(events.getFirst().payload().get("itemId").asString()).isEqualTo("item_0");
    }

    @Test
    void codexDeclinedCommandsMcpCallsAndNonFatalErrors() {
        CodexStream stream = new CodexStream("gpt-5", false);
        List<AgentEvent> events = feed(
                stream,
                "{\"type\":\"item.completed\",\"item\":{\"id\":\"item_1\",\"type\":\"command_execution\",\"command\":"
                        + "\"rm -rf build\",\"aggregated_output\":\"\",\"exit_code\":null,\"status\":\"declined\"}}",
                "{\"type\":\"item.started\",\"item\":{\"id\":\"item_2\",\"type\":\"mcp_tool_call\",\"server\":\"docs\","
                        + "\"tool\":\"search\",\"arguments\":{\"q\":\"x\"},\"result\":null,\"error\":null,\"status\":"
                        + "\"in_progress\"}}",
                "{\"type\":\"item.completed\",\"item\":{\"id\":\"item_2\",\"type\":\"mcp_tool_call\",\"server\":\"docs\","
                        + "\"tool\":\"search\",\"arguments\":{\"q\":\"x\"},\"result\":null,\"error\":{\"message\":"
                        + "\"timed out\"},\"status\":\"failed\"}}",
                "{\"type\":\"item.completed\",\"item\":{\"id\":\"item_3\",\"type\":\"error\",\"message\":\"model"
                        + " is deprecated\"}}");

        assertThat(events)
                .extracting(AgentEvent::type)
                .containsExactly(
                        "agent.tool_call", "agent.tool_result", "agent.tool_call", "agent.tool_result", "agent.error");
        assertThat(events.get(1).payload().get("status").asString()).isEqualTo("error");
        assertThat(events.get(1).payload().get("output").asString()).isEqualTo("The command was declined.");
        assertThat(events.get(2).payload().get("tool").asString()).isEqualTo("mcp:docs/search");
        assertThat(events.get(3).payload().get("output").asString()).isEqualTo("timed out");
        assertThat(events.get(4).level()).isEqualTo("warn");
        assertThat(stream.failure())
                .as("a non-fatal error item does not fail the run")
                .isNull();
    }

    @Test
    void claudeSplitsTextBlocksWithABlankLineAndDoesNotStreamSubagents() {
        ClaudeStream stream = new ClaudeStream(true);
        String session = "\"session_id\":\"s-1\",\"uuid\":\"u\"";
        List<AgentEvent> events = feed(
                stream,
                "{\"type\":\"system\",\"subtype\":\"init\",\"model\":\"m\"," + session + "}",
                streamEvent("{\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\"}}", session, null),
                streamEvent(
                        "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\"}}",
                        session,
                        null),
                streamEvent(delta(0, "One."), session, null),
                "{\"type\":\"assistant\",\"message\":{\"id\":\"msg_1\",\"content\":[{\"type\":\"text\",\"text\":"
                        + "\"One.\"}]},\"parent_tool_use_id\":null," + session + "}",
                streamEvent(
                        "{\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"text\"}}",
                        session,
                        null),
                streamEvent(delta(1, "Two."), session, null),
                "{\"type\":\"assistant\",\"message\":{\"id\":\"msg_1\",\"content\":[{\"type\":\"text\",\"text\":"
                        + "\"Two.\"}]},\"parent_tool_use_id\":null," + session + "}",
                streamEvent(delta(0, "sub"), session, "toolu_9"),
                "{\"type\":\"assistant\",\"message\":{\"id\":\"msg_9\",\"content\":[{\"type\":\"text\",\"text\":"
                        + "\"Subagent says hi\"}]},\"parent_tool_use_id\":\"toolu_9\"," + session + "}");

        assertThat(events)
                .extracting(AgentEvent::type)
                .containsExactly(
                        "agent.session.started",
                        "agent.message.delta",
                        "agent.message",
                        "agent.message.delta",
                        "agent.message",
                        "agent.message");
        assertThat(events.get(0).payload().get("resumed").asBoolean()).isTrue();
        assertThat(events.get(3).message()).isEqualTo("\n\nTwo.");
        assertThat(events.get(4).message()).isEqualTo("One.\n\nTwo.");
        assertThat(events.get(1).message() + events.get(3).message())
                .isEqualTo(events.get(4).message());
        assertThat(events.get(5).payload().get("parentCallId").asString()).isEqualTo("toolu_9");
    }

    @Test
    void claudeErrorSubtypesFailEvenWithoutIsError() {
        ClaudeStream stream = new ClaudeStream(false);
        List<AgentEvent> events = feed(
                stream,
                "{\"type\":\"result\",\"subtype\":\"error_max_turns\",\"is_error\":false,\"session_id\":\"s-2\","
                        + "\"num_turns\":30,\"usage\":{\"input_tokens\":1,\"output_tokens\":2}}");

        assertThat(events)
                .extracting(AgentEvent::type)
                .containsExactly("agent.session.started", "agent.usage", "agent.error");
        assertThat(stream.failure()).isEqualTo("error_max_turns");
        assertThat(stream.failureCode()).isNull();
        assertThat(stream.sessionId()).isEqualTo("s-2");
    }

    // ---- recordings of the real CLIs ------------------------------------------------------------------------------

    @Test
    void codexRetryNoticesAreProgressAndTheFinalErrorIsTurnFailed() throws IOException {
        CodexStream stream = new CodexStream("gpt-test-model", false);
        List<AgentEvent> events = feed(stream, recording("codex-turn-failed.jsonl"));

        List<AgentEvent> retries = ofType(events, "agent.retry");
        assertThat(retries).hasSize(5).allMatch(e -> e.level().equals("warn"));
        assertThat(retries.getFirst().payload().get("attempt").asInt()).isEqualTo(1);
        assertThat(retries.getFirst().payload().get("maxAttempts").asInt()).isEqualTo(5);
        assertThat(retries.getFirst().payload().get("reason").asString()).startsWith("unexpected status 401");
        assertThat(ofType(events, "agent.error"))
                .extracting(AgentEvent::level)
                .as("the unknown-model warning, then the one error")
                .containsExactly("warn", "error");
        assertThat(stream.failure())
                .startsWith("unexpected status 401 Unauthorized: Incorrect API key provided")
                .doesNotContain("Reconnecting");
        assertThat(stream.failureCode()).isEqualTo("agent_auth_failed");
    }

    @Test
    void aCodexReconnectDoesNotFailTheRun() throws IOException {
        CodexStream stream = new CodexStream("gpt-test-model", false);
        List<AgentEvent> events = feed(stream, recording("codex-reconnect.jsonl"));

        assertThat(ofType(events, "agent.retry")).hasSize(1);
        assertThat(stream.failure()).isNull();
        assertThat(ofType(events, "agent.message"))
                .extracting(AgentEvent::message)
                .containsExactly("Done after a" + " reconnect.");
    }

    @Test
    void codexUsageAfterAResumeIsThisRunsShareOfTheThreadsTotals() {
        AgentUsage before = new AgentUsage(3000, 600, 0, 150, 30, null);
        CodexStream stream =
                new CodexStream(null, true, true, "run2:", new AgentUsage.History(before, before), null, null);
        List<AgentEvent> events = feed(
                stream,
                "{\"type\":\"thread.started\",\"thread_id\":\"t-1\"}",
                "{\"type\":\"item.completed\",\"item\":{\"id\":\"item_0\",\"type\":\"agent_message\",\"text\":\"Hi\"}}",
                "{\"type\":\"turn.completed\",\"usage\":{\"input_tokens\":5000,\"cached_input_tokens\":1000,"
                        + "\"cache_write_input_tokens\":7,\"output_tokens\":250,\"reasoning_output_tokens\":50}}");

        assertThat(events.get(1).payload().get("itemId").asString()).isEqualTo("run2:item_0");
        JsonNode usage = ofType(events, "agent.usage").getFirst().payload();
        assertThat(usage.get("inputTokens").asLong()).isEqualTo(2000);
        assertThat(usage.get("cachedInputTokens").asLong()).isEqualTo(400);
        assertThat(usage.get("cacheWriteInputTokens").asLong()).isEqualTo(7);
        assertThat(usage.get("outputTokens").asLong()).isEqualTo(100);
        assertThat(usage.get("reasoningOutputTokens").asLong()).isEqualTo(20);
        assertThat(usage.get("session").get("inputTokens").asLong()).isEqualTo(5000);
        assertThat(usage.get("task").get("inputTokens").asLong()).isEqualTo(5000);
        assertThat(usage.get("sessionId").asString()).isEqualTo("t-1");
    }

    @Test
    void aCodexSandboxRefusalIsFoundInItsSessionFile(@TempDir Path codexHome) throws IOException {
        String thread = "0199a213-81c0-7800-8aa1-bbab2a035a53";
        Path sessions = Files.createDirectories(codexHome.resolve("sessions/2026/01/01"));
        Files.writeString(
                sessions.resolve("rollout-2026-01-01T00-00-00-" + thread + ".jsonl"),
                String.join("\n", recording("codex-denied-rollout.jsonl")) + "\n");
        CodexStream stream = new CodexStream(
                "gpt-test-model",
                false,
                true,
                "run1:",
                AgentUsage.History.NONE,
                new CodexRollout(codexHome, null),
                JSON);
        List<AgentEvent> events = feed(stream, recording("codex-denied.jsonl"));
        assertThat(ofType(events, "agent.tool_call"))
                .as("Codex printed nothing about it")
                .isEmpty();

        List<AgentEvent> after = stream.afterExit();
        assertThat(after).extracting(AgentEvent::type).containsExactly("agent.permission_denied");
        assertThat(after.getFirst().level()).isEqualTo("warn");
        assertThat(after.getFirst().payload().get("title").asString())
                .matches("echo escaped > /outside/recording-\\d+\\.txt");
        assertThat(after.getFirst().payload().get("reason").asString()).contains("Read-only file system");
        assertThat(stream.permissionDenials()).isEqualTo(1);

        // A resumed run reads only what it appended: the refusal of the earlier run is not counted again.
        CodexRollout resumed = new CodexRollout(codexHome, thread);
        assertThat(resumed.denials(JSON, thread)).isEmpty();
    }

    @Test
    void aShownCodexCommandThatTheSandboxRefusedIsADenialToo() {
        CodexStream stream = new CodexStream("m", false);
        List<AgentEvent> events = feed(
                stream,
                "{\"type\":\"item.completed\",\"item\":{\"id\":\"item_1\",\"type\":\"command_execution\","
                        + "\"command\":\"/bin/bash -c 'echo x > /etc/x'\",\"aggregated_output\":\"/bin/bash: line 1:"
                        + " /etc/x: Read-only file system\\n\",\"exit_code\":1,\"status\":\"failed\"}}");

        assertThat(events)
                .extracting(AgentEvent::type)
                .containsExactly("agent.tool_call", "agent.permission_denied", "agent.tool_result");
        assertThat(events.get(2).payload().get("denied").asBoolean()).isTrue();
        assertThat(stream.permissionDenials()).isEqualTo(1);
    }

    @Test
    void claudesApiErrorIsAnErrorNotAReplyAndARefusedKeyStopsIt() throws IOException {
        ClaudeStream stream = new ClaudeStream(false);
        List<AgentEvent> events = feed(stream, recording("claude-error-result.jsonl"));

        assertThat(ofType(events, "agent.message")).isEmpty();
        assertThat(ofType(events, "agent.retry")).hasSize(1);
        assertThat(ofType(events, "agent.retry")
                        .getFirst()
                        .payload()
                        .get("status")
                        .asInt())
                .isEqualTo(401);
        assertThat(stream.stopRequested()).isTrue();
        assertThat(stream.failureCode()).isEqualTo("agent_auth_failed");
        // The runner stops Claude Code at the first 401: what it prints after that is not read.
        assertThat(ofType(events, "agent.error")).hasSize(1);
        assertThat(stream.failure())
                .isEqualTo("the API refused the key (API error 401 (authentication_failed)); the runner stopped Claude"
                        + " Code rather than let it retry for minutes");
    }

    @Test
    void aClaudeApiErrorWithoutRetriesFailsWithTheResultsText() throws IOException {
        ClaudeStream stream = new ClaudeStream(false);
        List<String> lines = recording("claude-error-result.jsonl").stream()
                .filter(line -> !line.contains("\"api_retry\""))
                .toList();
        List<AgentEvent> events = feed(stream, lines);

        assertThat(ofType(events, "agent.message")).isEmpty();
        assertThat(ofType(events, "agent.error")).hasSize(1);
        assertThat(stream.failure())
                .isEqualTo("Invalid API key · Fix external API key (API error 401 authentication_error)");
        assertThat(stream.failureCode()).isEqualTo("agent_auth_failed");
        assertThat(stream.stopRequested()).isFalse();
    }

    @Test
    void claudePermissionDenialsAreReportedOnceAndMarkTheirToolResult() throws IOException {
        ClaudeStream stream = new ClaudeStream(false);
        List<AgentEvent> events = feed(stream, recording("claude-permission-denied.jsonl"));

        List<AgentEvent> denials = ofType(events, "agent.permission_denied");
        assertThat(denials).hasSize(1);
        assertThat(denials.getFirst().payload().get("title").asString())
                .isEqualTo("curl -s http://127.0.0.1:9/ -o fetched.txt");
        AgentEvent result = ofType(events, "agent.tool_result").getFirst();
        assertThat(result.payload().get("denied").asBoolean()).isTrue();
        assertThat(result.message()).endsWith("(denied)");
        assertThat(stream.permissionDenials()).isEqualTo(1);
        assertThat(stream.failure()).isNull();
    }

    @Test
    void claudeCostAfterAResumeIsThisRunsWhenTheCliGivesOnlyTheSessionsTotal() {
        AgentUsage before = new AgentUsage(1000, 0, 0, 5, 0, 0.004);
        ClaudeStream stream = new ClaudeStream(true, new AgentUsage.History(before, before));
        List<AgentEvent> events = feed(
                stream,
                "{\"type\":\"result\",\"subtype\":\"success\",\"is_error\":false,\"session_id\":\"s-3\","
                        + "\"total_cost_usd\":0.0045,\"usage\":{\"input_tokens\":30,\"output_tokens\":5,"
                        + "\"cache_read_input_tokens\":7,\"cache_creation_input_tokens\":3}}");

        JsonNode usage = ofType(events, "agent.usage").getFirst().payload();
        assertThat(usage.get("costUsd").asDouble()).isCloseTo(0.0005, within(1e-12));
        assertThat(usage.get("inputTokens").asLong()).isEqualTo(30);
        assertThat(usage.get("session").get("costUsd").asDouble()).isEqualTo(0.0045);
        assertThat(usage.get("session").get("inputTokens").asLong()).isEqualTo(1030);
        assertThat(usage.get("task").get("costUsd").asDouble()).isCloseTo(0.0045, within(1e-12));
    }

    @Test
    void gatewayUrlsMustBePlainHttpUrls() {
        assertThat(AgentProperties.baseUrl("AGENT_OPENAI_BASE_URL", " https://gw.example.com/v1/ "))
                .isEqualTo("https://gw.example.com/v1");
        assertThat(AgentProperties.baseUrl("AGENT_OPENAI_BASE_URL", "")).isNull();
        for (String bad : List.of(
                "gw.example.com/v1",
                "ftp://gw.example.com",
                "https://gw.example.com/v1\", x=\"",
                "https://user:pass@gw.example.com",
                "https://gw.example.com/v1?key=1")) {
            assertThatThrownBy(() -> AgentProperties.baseUrl("AGENT_OPENAI_BASE_URL", bad))
                    .as(bad)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("AGENT_OPENAI_BASE_URL");
        }
    }

    @Test
    void longToolOutputsKeepTheirStartAndEnd() {
        String output = "start" + "x".repeat(100_000) + "end";
        String clipped = AgentEvent.clip(output, AgentEvent.MAX_OUTPUT);
        assertThat(clipped).startsWith("start").endsWith("end").contains("characters left out");
        assertThat(clipped.length()).isLessThan(AgentEvent.MAX_OUTPUT + 100);
    }

    @Test
    void thePromptIsTheRunsOwnElseTheAgentConfigsElseTheTasks() {
        AgentConfig configured = new AgentConfig(AgentProvider.CODEX, null, "From config");
        AgentConfig plain = new AgentConfig(AgentProvider.CODEX, null, null);

        assertThat(Agents.prompt(request("follow_up", "Follow-up", "Task", configured)))
                .isEqualTo(new Agents.Prompt("Follow-up", "follow_up"));
        assertThat(Agents.prompt(request("api", "Given to POST /api/runs", "Task", configured)))
                .isEqualTo(new Agents.Prompt("Given to POST /api/runs", "run"));
        assertThat(Agents.prompt(request("api", "Task", "Task", configured)))
                .isEqualTo(new Agents.Prompt("From config", "agent_config"));
        assertThat(Agents.prompt(request("automation", "Task", "Task", plain)))
                .isEqualTo(new Agents.Prompt("Task", "task"));
        assertThatThrownBy(() -> Agents.prompt(request("api", "", " ", plain)))
                .isInstanceOf(AgentException.class)
                .extracting(e -> ((AgentException) e).code())
                .isEqualTo("agent_prompt_missing");
    }

    @Test
    void theCliIsFoundByPathOrOnThePath(@TempDir Path dir) throws Exception {
        Path cli = dir.resolve("codex");
        Files.writeString(cli, "#!/bin/sh\n");
        assertThat(Agents.findExecutable(cli.toString(), "/nowhere")).isEmpty();
        Files.setPosixFilePermissions(cli, PosixFilePermissions.fromString("rwx------"));

        assertThat(Agents.findExecutable(cli.toString(), "/nowhere")).contains(cli);
        assertThat(Agents.findExecutable("codex", "/nowhere:" + dir)).contains(cli);
        assertThat(Agents.findExecutable("codex", "/nowhere")).isEmpty();
    }

    private static AgentRequest request(String source, String runPrompt, String taskPrompt, AgentConfig agent) {
        return new AgentRequest(
                UUID.randomUUID(),
                UUID.randomUUID(),
                1,
                source,
                runPrompt,
                taskPrompt,
                agent,
                PermissionMode.SAFE,
                Path.of("/tmp"));
    }

    private static String streamEvent(String event, String session, String parent) {
        return "{\"type\":\"stream_event\",\"event\":" + event + ",\"parent_tool_use_id\":"
                + (parent == null ? "null" : "\"" + parent + "\"") + "," + session + "}";
    }

    private static String delta(int index, String text) {
        return "{\"type\":\"content_block_delta\",\"index\":" + index + ",\"delta\":{\"type\":\"text_delta\","
                + "\"text\":\"" + text + "\"}}";
    }

    private static List<AgentEvent> feed(AgentStream stream, String... lines) {
        return feed(stream, List.of(lines));
    }

    /** Like the runner: JSON objects go to the stream, anything else would be a log line. */
    private static List<AgentEvent> feed(AgentStream stream, List<String> lines) {
        List<AgentEvent> events = new ArrayList<>();
        for (String line : lines) {
            if (line.strip().startsWith("{")) {
                events.addAll(stream.accept(JSON.readTree(line)));
            }
        }
        return events;
    }

    private static List<String> recording(String name) throws IOException {
        try (var in = AgentStreamsTest.class.getResourceAsStream("/fake-agents/recordings/" + name)) {
            assertThat(in).as(name).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        }
    }

    private static List<AgentEvent> ofType(List<AgentEvent> events, String type) {
        return events.stream().filter(e -> e.type().equals(type)).toList();
    }
}
