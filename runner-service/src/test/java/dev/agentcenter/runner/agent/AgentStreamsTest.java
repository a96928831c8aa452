package dev.agentcenter.runner.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentcenter.model.AgentConfig;
import dev.agentcenter.model.AgentProvider;
import dev.agentcenter.model.PermissionMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/** The stream translators on cases the recordings of the integration tests do not cover, and the prompt rule. */
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
        assertThat(stream.failure()).isEqualTo("Claude Code ended with error_max_turns");
        assertThat(stream.sessionId()).isEqualTo("s-2");
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
        List<AgentEvent> events = new ArrayList<>();
        for (String line : lines) {
            events.addAll(stream.accept(JSON.readTree(line)));
        }
        return events;
    }
}
