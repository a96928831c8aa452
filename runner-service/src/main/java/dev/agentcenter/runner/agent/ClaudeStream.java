package dev.agentcenter.runner.agent;

import static dev.agentcenter.runner.agent.AgentEvent.clip;
import static dev.agentcenter.runner.agent.AgentEvent.clipStrings;
import static dev.agentcenter.runner.agent.AgentEvent.firstLine;
import static dev.agentcenter.runner.agent.AgentEvent.number;
import static dev.agentcenter.runner.agent.AgentEvent.payload;
import static dev.agentcenter.runner.agent.AgentEvent.text;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

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
 *
 * <p>What the real CLI (2.1) does beyond that, and how it is read here:
 *
 * <ul>
 *   <li>{@code system}/{@code api_retry} ({@code attempt}, {@code max_retries}, {@code retry_delay_ms}, {@code
 *       error_status}, {@code error}) announces a retried API call: progress ({@code agent.retry}, warn). A 401 is
 *       retried up to ten times over minutes although a refused key never becomes valid, so the first one ends the
 *       run ({@link #stopRequested()}, {@code agent_auth_failed}).
 *   <li>An API error arrives as a synthetic {@code assistant} message ({@code model: "<synthetic>"}, {@code
 *       is_api_error_message: true}, {@code error}, {@code api_error_status}): an {@code agent.error}, not a reply.
 *   <li>The final {@code result} may say {@code subtype: "success"} with {@code is_error: true} (an API error): the
 *       run fails with the result's text. {@code usage} is this run's; {@code total_cost_usd} and {@code modelUsage}
 *       are the session's, {@code model_usage_since_last_result} this run's.
 *   <li>A tool call the permission mode refused comes as {@code system}/{@code permission_denied}, then a {@code
 *       tool_result} with {@code is_error}, and is listed again in {@code result.permission_denials}: one {@code
 *       agent.permission_denied} each, and the tool result says {@code denied: true}.
 * </ul>
 */
final class ClaudeStream implements AgentStream {

    static final String PROVIDER = "claude";
    private static final String BLOCK_SEPARATOR = "\n\n";

    private final boolean resumed;
    private final AgentUsage.History history;
    private String sessionId;
    private String failure;
    private String failureCode;
    private boolean stopRequested;
    private String streamingMessage;
    private boolean streamedTextInMessage;
    private boolean separatorPending;
    private final Map<String, StringBuilder> textByMessage = new HashMap<>();
    private final Map<String, String[]> calls = new HashMap<>();
    private final Set<String> denied = new LinkedHashSet<>();
    private final Set<String> errorsReported = new HashSet<>();

    ClaudeStream(boolean resumed) {
        this(resumed, AgentUsage.History.NONE);
    }

    /** @param history what the task and the resumed session used before this run */
    ClaudeStream(boolean resumed, AgentUsage.History history) {
        this.resumed = resumed;
        this.history = history;
    }

    @Override
    public String failureCode() {
        return failureCode;
    }

    @Override
    public boolean stopRequested() {
        return stopRequested;
    }

    @Override
    public int permissionDenials() {
        return denied.size();
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
        if (type == null || stopRequested) {
            // Once the runner is stopping the CLI, what it still prints (its last retries, its own account of the
            // same failure) changes nothing and would only depend on how fast the stop was.
            return events;
        }
        switch (type) {
            case "system" -> {
                switch (String.valueOf(text(message, "subtype"))) {
                    case "init" -> sessionStarted(events, text(message, "session_id"), text(message, "model"));
                    case "api_retry" -> apiRetry(events, message);
                    case "permission_denied" ->
                        denial(
                                events,
                                text(message, "tool_use_id"),
                                text(message, "tool_name"),
                                null,
                                firstNonBlank(text(message, "message"), text(message, "decision_reason")),
                                text(message, "decision_reason_type"));
                    default -> {
                        // status, hook and compaction notices: not shown
                    }
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
        // Claude Code makes up other synthetic messages too (an interrupted request): only those with an error are.
        if (message.path("is_api_error_message").asBoolean(false)
                || ("<synthetic>".equals(text(body, "model")) && text(message, "error") != null)) {
            apiError(events, message, body);
            return;
        }
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
                if (callId != null) {
                    calls.put(callId, new String[] {tool, title});
                }
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
            String[] call = callId == null ? null : calls.remove(callId);
            String tool = call == null ? "tool" : call[0];
            String title = call == null ? tool : call[1];
            boolean error = block.path("is_error").asBoolean(false);
            boolean refused = error && callId != null && denied.contains(callId);
            String output = resultText(block.get("content"));
            events.add(new AgentEvent(
                    "agent.tool_result",
                    error ? "warn" : "info",
                    title + (refused ? " (denied)" : error ? " (error)" : " (ok)"),
                    payload(
                            PROVIDER,
                            "callId",
                            callId,
                            "tool",
                            tool,
                            "status",
                            error ? "error" : "ok",
                            "denied",
                            refused ? Boolean.TRUE : null,
                            "output",
                            output == null || output.isEmpty() ? null : clip(output, AgentEvent.MAX_OUTPUT))));
        }
    }

    private void result(List<AgentEvent> events, JsonNode message) {
        sessionStarted(events, text(message, "session_id"), null);
        for (JsonNode refused : message.path("permission_denials").values()) {
            // Listed again at the end; only those no permission_denied line announced are new.
            denial(
                    events,
                    text(refused, "tool_use_id"),
                    text(refused, "tool_name"),
                    refused.get("tool_input"),
                    null,
                    null);
        }
        JsonNode usage = message.get("usage");
        if (usage != null && usage.isObject()) {
            usage(events, message, usage);
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
            Long status = number(message, "api_error_status");
            String apiType = text(message, "api_error_type");
            String reason;
            if (subtype == null || subtype.equals("success")) {
                // An error with subtype success: an API error or a refusal; its text is what went wrong.
                reason = text == null || text.isBlank() ? "Claude Code reported an error" : text.strip();
            } else {
                reason = subtype + (text == null || text.isBlank() ? "" : ": " + text.strip());
            }
            if (status != null || apiType != null) {
                String api = (status == null ? "" : status.toString())
                        + (apiType == null ? "" : (status == null ? "" : " ") + apiType);
                if (!reason.contains(api)) {
                    reason += " (API error " + api + ")";
                }
            }
            if (Long.valueOf(401).equals(status) || "authentication_error".equals(apiType)) {
                failureCode = "agent_auth_failed";
            }
            failure = reason;
            error(
                    events,
                    reason,
                    payload(
                            PROVIDER,
                            "message",
                            reason,
                            "subtype",
                            subtype,
                            "terminalReason",
                            text(message, "terminal_reason"),
                            "status",
                            status,
                            "type",
                            apiType));
        }
    }

    /**
     * The {@code result}'s usage: {@code usage} is this run's tokens; the cost is this run's {@code
     * model_usage_since_last_result} when the CLI gives it, else the difference of the session's {@code
     * total_cost_usd} to what the session had cost after its previous run.
     */
    private void usage(List<AgentEvent> events, JsonNode message, JsonNode usage) {
        JsonNode total = message.get("total_cost_usd");
        Double sessionCost = total != null && total.isNumber() ? total.asDouble() : null;
        Double runCost = costOf(message.get("model_usage_since_last_result"));
        AgentUsage before = resumed ? history.sessionBefore() : null;
        if (runCost == null && sessionCost != null) {
            runCost = before != null && before.costUsd() != null && sessionCost >= before.costUsd()
                    ? sessionCost - before.costUsd()
                    : sessionCost;
        }
        AgentUsage run = new AgentUsage(
                count(usage, "input_tokens"),
                count(usage, "cache_read_input_tokens"),
                count(usage, "cache_creation_input_tokens"),
                count(usage, "output_tokens"),
                count(usage.path("output_tokens_details"), "thinking_tokens"),
                runCost);
        AgentUsage sessionTokens = before == null ? run : before.plus(run);
        AgentUsage session = new AgentUsage(
                sessionTokens.inputTokens(),
                sessionTokens.cachedInputTokens(),
                sessionTokens.cacheWriteInputTokens(),
                sessionTokens.outputTokens(),
                sessionTokens.reasoningOutputTokens(),
                sessionCost != null ? sessionCost : sessionTokens.costUsd());
        events.add(AgentUsage.event(PROVIDER, sessionId, run, session, history));
    }

    /** The sum of {@code costUSD} over a {@code modelUsage}-shaped object; {@code null} when there is none. */
    private static Double costOf(JsonNode byModel) {
        if (byModel == null || !byModel.isObject()) {
            return null;
        }
        double sum = 0;
        boolean any = false;
        for (JsonNode model : byModel.values()) {
            JsonNode cost = model.get("costUSD");
            if (cost != null && cost.isNumber()) {
                sum += cost.asDouble();
                any = true;
            }
        }
        return any ? sum : null;
    }

    /** {@code system}/{@code api_retry}: a retry notice; a refused key ends the run instead of minutes of retries. */
    private void apiRetry(List<AgentEvent> events, JsonNode message) {
        Long attempt = number(message, "attempt");
        Long max = number(message, "max_retries");
        Long delay = number(message, "retry_delay_ms");
        Long status = number(message, "error_status");
        String error = text(message, "error");
        String what = (status == null ? "connection error" : "API error " + status)
                + (error == null ? "" : " (" + error + ")");
        String text = "Claude Code: " + what + ", retry " + (attempt == null ? "?" : attempt) + "/"
                + (max == null ? "?" : max)
                + (delay == null ? "" : String.format(Locale.ROOT, " in %.1f s", delay / 1000.0));
        events.add(new AgentEvent(
                "agent.retry",
                "warn",
                text,
                payload(
                        PROVIDER,
                        "message",
                        text,
                        "attempt",
                        attempt,
                        "maxAttempts",
                        max,
                        "delayMs",
                        delay,
                        "status",
                        status,
                        "error",
                        error)));
        if (Long.valueOf(401).equals(status) || "authentication_failed".equals(error)) {
            failure = "the API refused the key (" + what + "); the runner stopped Claude Code rather than let it"
                    + " retry for minutes";
            failureCode = "agent_auth_failed";
            stopRequested = true;
            error(events, failure, payload(PROVIDER, "message", failure, "status", status, "code", error));
        }
    }

    /** The synthetic assistant message Claude Code prints for an API error: an error, not the agent's reply. */
    private void apiError(List<AgentEvent> events, JsonNode message, JsonNode body) {
        List<String> parts = new ArrayList<>();
        for (JsonNode block : body.path("content").values()) {
            String part = text(block, "text");
            if (part != null && !part.isBlank()) {
                parts.add(part.strip());
            }
        }
        String text = parts.isEmpty() ? "Claude Code reported an API error" : String.join("\n", parts);
        String code = text(message, "error");
        Long status = number(message, "api_error_status");
        if (Long.valueOf(401).equals(status) || "authentication_failed".equals(code)) {
            failureCode = "agent_auth_failed";
        }
        if (failure == null) {
            failure = text;
        }
        error(
                events,
                text,
                payload(
                        PROVIDER,
                        "message",
                        text,
                        "code",
                        code,
                        "status",
                        status,
                        "type",
                        text(message, "api_error_type")));
    }

    /** An {@code agent.error} (level error), once per text: Claude Code says the same thing in several places. */
    private void error(List<AgentEvent> events, String text, ObjectNode payload) {
        for (String earlier : errorsReported) {
            if (text.startsWith(earlier) || earlier.startsWith(text)) {
                return;
            }
        }
        errorsReported.add(text);
        events.add(new AgentEvent("agent.error", "error", text, payload));
    }

    /** One {@code agent.permission_denied} per refused call. */
    private void denial(
            List<AgentEvent> events, String callId, String tool, JsonNode input, String reason, String reasonType) {
        if (callId == null || !denied.add(callId)) {
            return;
        }
        String[] call = calls.get(callId);
        String name = tool != null ? tool : call == null ? "tool" : call[0];
        String title = call != null ? call[1] : title(name, input);
        String why = reason == null || reason.isBlank() ? "Refused by the permission mode" : reason;
        events.add(new AgentEvent(
                "agent.permission_denied",
                "warn",
                "Claude Code was not allowed to run " + name + ": " + title,
                payload(
                        PROVIDER,
                        "callId",
                        callId,
                        "tool",
                        name,
                        "title",
                        title,
                        "reason",
                        why,
                        "source",
                        "permission_mode",
                        "reasonType",
                        reasonType)));
    }

    private static long count(JsonNode node, String field) {
        Long value = number(node, field);
        return value == null ? 0 : value;
    }

    private static String firstNonBlank(String first, String second) {
        return first != null && !first.isBlank() ? first : second;
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
