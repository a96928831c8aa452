package dev.agentcenter.runner.agent;

import static dev.agentcenter.runner.agent.AgentEvent.clip;
import static dev.agentcenter.runner.agent.AgentEvent.clipStrings;
import static dev.agentcenter.runner.agent.AgentEvent.firstLine;
import static dev.agentcenter.runner.agent.AgentEvent.number;
import static dev.agentcenter.runner.agent.AgentEvent.payload;
import static dev.agentcenter.runner.agent.AgentEvent.text;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * The messages of {@code claude -p --output-format stream-json --verbose --include-partial-messages}: one JSON object
 * per line, {@code system} (subtype {@code init} names the {@code session_id} and model), {@code stream_event}
 * (Anthropic streaming events: {@code message_start}, {@code content_block_delta} with a {@code text_delta}, …),
 * {@code assistant} (a message's content blocks: {@code text}, {@code tool_use}), {@code user} ({@code tool_result}
 * blocks) and a final {@code result} ({@code subtype}, {@code is_error}, {@code usage}, {@code total_cost_usd}),
 * as parsed by {@code src/claude_agent_sdk/_internal/message_parser.py} of anthropics/claude-agent-sdk-python.
 *
 * <p>Deltas and final messages share the Anthropic message id as {@code itemId}. Claude Code may print one
 * {@code assistant} line per content block of a message, so a message's {@code agent.message} carries all its text
 * blocks so far (joined by a blank line), and the deltas of a second text block are preceded by that blank line too:
 * replacing the deltas with the final text then shows the same thing. A subagent's messages (those with a
 * {@code parent_tool_use_id}) are not streamed; their final texts carry {@code parentCallId}.
 */
final class ClaudeStream implements AgentStream {

    static final String PROVIDER = "claude";
    private static final String BLOCK_SEPARATOR = "\n\n";

    private final boolean resumed;
    private String sessionId;
    private String failure;
    private String streamingMessage;
    private boolean streamedTextInMessage;
    private boolean separatorPending;
    private final Map<String, StringBuilder> textByMessage = new HashMap<>();
    private final Map<String, String[]> calls = new HashMap<>();

    ClaudeStream(boolean resumed) {
        this.resumed = resumed;
    }

    @Override
    public String sessionId() {
        return sessionId;
    }

    @Override
    public String failure() {
        return failure;
    }

    @Override
    public List<AgentEvent> accept(JsonNode message) {
        List<AgentEvent> events = new ArrayList<>();
        String type = text(message, "type");
        if (type == null) {
            return events;
        }
        switch (type) {
            case "system" -> {
                if ("init".equals(text(message, "subtype"))) {
                    sessionStarted(events, text(message, "session_id"), text(message, "model"));
                }
            }
            case "stream_event" -> {
                if (isMainThread(message)) {
                    streamEvent(events, message.path("event"));
                }
            }
            case "assistant" -> assistant(events, message);
            case "user" -> user(events, message);
            case "result" -> result(events, message);
            default -> {
                // rate_limit_event, tool progress, …: not shown
            }
        }
        return events;
    }

    private void sessionStarted(List<AgentEvent> events, String session, String model) {
        if (session == null || sessionId != null) {
            return;
        }
        sessionId = session;
        events.add(AgentEvent.info(
                "agent.session.started",
                (resumed ? "Claude Code resumed session " : "Claude Code session ") + session,
                payload(PROVIDER, "sessionId", session, "model", model, "resumed", resumed)));
    }

    private static boolean isMainThread(JsonNode message) {
        JsonNode parent = message.get("parent_tool_use_id");
        return parent == null || parent.isNull();
    }

    private void streamEvent(List<AgentEvent> events, JsonNode event) {
        String type = text(event, "type");
        if (type == null) {
            return;
        }
        switch (type) {
            case "message_start" -> {
                streamingMessage = text(event.path("message"), "id");
                streamedTextInMessage = false;
                separatorPending = false;
            }
            case "content_block_start" -> {
                if ("text".equals(text(event.path("content_block"), "type")) && streamedTextInMessage) {
                    separatorPending = true;
                }
            }
            case "content_block_delta" -> {
                JsonNode delta = event.path("delta");
                String text = text(delta, "text");
                if ("text_delta".equals(text(delta, "type")) && text != null && !text.isEmpty()) {
                    if (separatorPending) {
                        text = BLOCK_SEPARATOR + text;
                        separatorPending = false;
                    }
                    streamedTextInMessage = true;
                    events.add(AgentEvent.info(
                            "agent.message.delta",
                            text,
                            payload(PROVIDER, "itemId", streamingMessage, "text", clip(text, AgentEvent.MAX_TEXT))));
                }
            }
            default -> {
                // content_block_stop, message_delta, message_stop; thinking and tool input deltas are not streamed
            }
        }
    }

    private void assistant(List<AgentEvent> events, JsonNode message) {
        JsonNode body = message.path("message");
        String id = text(body, "id");
        String parent = isMainThread(message) ? null : text(message, "parent_tool_use_id");
        StringBuilder text = null;
        for (JsonNode block : body.path("content").values()) {
            String kind = text(block, "type");
            if ("text".equals(kind)) {
                String part = text(block, "text");
                if (part == null || part.isEmpty()) {
                    continue;
                }
                text = textByMessage.computeIfAbsent(id == null ? "" : id, key -> new StringBuilder());
                if (!text.isEmpty()) {
                    text.append(BLOCK_SEPARATOR);
                }
                text.append(part);
            } else if ("tool_use".equals(kind)) {
                String callId = text(block, "id");
                String tool = text(block, "name");
                JsonNode input = block.get("input");
                String title = title(tool, input);
                calls.put(callId, new String[] {tool, title});
                events.add(AgentEvent.info(
                        "agent.tool_call",
                        title,
                        payload(
                                PROVIDER,
                                "callId",
                                callId,
                                "tool",
                                tool,
                                "title",
                                title,
                                "input",
                                input == null ? null : clipStrings(input, AgentEvent.MAX_INPUT_STRING),
                                "parentCallId",
                                parent)));
            }
        }
        if (text != null) {
            String full = clip(text.toString(), AgentEvent.MAX_TEXT);
            events.add(AgentEvent.info(
                    "agent.message", full, payload(PROVIDER, "itemId", id, "text", full, "parentCallId", parent)));
        }
    }

    private void user(List<AgentEvent> events, JsonNode message) {
        JsonNode content = message.path("message").path("content");
        if (!content.isArray()) {
            return; // the prompt itself
        }
        for (JsonNode block : content.values()) {
            if (!"tool_result".equals(text(block, "type"))) {
                continue;
            }
            String callId = text(block, "tool_use_id");
            String[] call = calls.remove(callId);
            String tool = call == null ? "tool" : call[0];
            String title = call == null ? tool : call[1];
            boolean error = block.path("is_error").asBoolean(false);
            String output = resultText(block.get("content"));
            events.add(new AgentEvent(
                    "agent.tool_result",
                    error ? "warn" : "info",
                    title + (error ? " (error)" : " (ok)"),
                    payload(
                            PROVIDER,
                            "callId",
                            callId,
                            "tool",
                            tool,
                            "status",
                            error ? "error" : "ok",
                            "output",
                            output == null || output.isEmpty() ? null : clip(output, AgentEvent.MAX_OUTPUT))));
        }
    }

    private void result(List<AgentEvent> events, JsonNode message) {
        sessionStarted(events, text(message, "session_id"), null);
        JsonNode usage = message.get("usage");
        if (usage != null && usage.isObject()) {
            Long input = number(usage, "input_tokens");
            Long output = number(usage, "output_tokens");
            Long cached = number(usage, "cache_read_input_tokens");
            JsonNode cost = message.get("total_cost_usd");
            Double costUsd = cost != null && cost.isNumber() ? cost.asDouble() : null;
            events.add(AgentEvent.info(
                    "agent.usage",
                    "Tokens: " + (input == null ? 0 : input) + " in (" + (cached == null ? 0 : cached) + " cached), "
                            + (output == null ? 0 : output) + " out"
                            + (costUsd == null ? "" : String.format(java.util.Locale.ROOT, ", $%.4f", costUsd)),
                    payload(
                            PROVIDER,
                            "inputTokens",
                            input == null ? 0L : input,
                            "outputTokens",
                            output == null ? 0L : output,
                            "cachedInputTokens",
                            cached,
                            "costUsd",
                            costUsd)));
        }
        String subtype = text(message, "subtype");
        boolean isError = message.path("is_error").asBoolean(false);
        if (isError || (subtype != null && !subtype.equals("success"))) {
            String text = text(message, "result");
            JsonNode errors = message.get("errors");
            if ((text == null || text.isBlank()) && errors != null && errors.isArray() && !errors.isEmpty()) {
                List<String> all = new ArrayList<>();
                errors.values().forEach(e -> all.add(e.isString() ? e.asString() : e.toString()));
                text = String.join("; ", all);
            }
            String reason = "Claude Code ended with " + (subtype == null ? "an error" : subtype)
                    + (text == null || text.isBlank() ? "" : ": " + text.strip());
            failure = reason;
            events.add(new AgentEvent(
                    "agent.error", "error", reason, payload(PROVIDER, "message", reason, "subtype", subtype)));
        }
    }

    /** A tool result's content: a string, or content blocks whose text parts are joined. */
    private static String resultText(JsonNode content) {
        if (content == null || content.isNull()) {
            return null;
        }
        if (content.isString()) {
            return content.asString();
        }
        if (content.isArray()) {
            List<String> parts = new ArrayList<>();
            for (JsonNode block : content.values()) {
                String text = text(block, "text");
                parts.add(text != null ? text : block.toString());
            }
            return String.join("\n", parts);
        }
        return content.toString();
    }

    /** A one-line summary of a tool call: the command, the file, the pattern, … */
    private static String title(String tool, JsonNode input) {
        for (String field : new String[] {
            "command", "file_path", "notebook_path", "pattern", "url", "query", "description", "prompt"
        }) {
            String value = text(input, field);
            if (value != null && !value.isBlank()) {
                return firstLine(value);
            }
        }
        return tool == null ? "tool" : tool;
    }
}
