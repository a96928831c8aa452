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
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ArrayNode;

/**
 * The events of {@code codex exec --json}: JSON Lines of {@code thread.started}, {@code turn.started},
 * {@code item.started} / {@code item.updated} / {@code item.completed} (items {@code agent_message},
 * {@code reasoning}, {@code command_execution}, {@code file_change}, {@code mcp_tool_call}, {@code web_search},
 * {@code todo_list}, {@code error}), {@code turn.completed} with {@code usage}, {@code turn.failed} and
 * {@code error}, as defined in {@code codex-rs/exec/src/exec_events.rs} of openai/codex.
 *
 * <p>Codex prints an assistant message whole, as {@code item.completed}: there is nothing to stream before it. Should
 * a version print {@code item.updated} for an {@code agent_message} (its text so far), the new part becomes an
 * {@code agent.message.delta}.
 *
 * <p>What the real CLI (0.169) does that the types alone do not say, and how it is read here:
 *
 * <ul>
 *   <li>{@code error} events whose message starts with {@code Reconnecting... n/m} are retry notices: progress
 *       ({@code agent.retry}, level warn), not failure. Codex prints one per retry, then, if all fail, an {@code
 *       error} and a {@code turn.failed} with the same final message, which is the run's failure.
 *   <li>{@code turn.completed} usage is the thread's, summed over every run that resumed it, and has {@code
 *       cache_write_input_tokens} and {@code reasoning_output_tokens} too: this run's share is the difference to the
 *       session's figures after its previous run ({@link AgentUsage}).
 *   <li>Item ids ({@code item_0}, …) restart in every {@code codex exec}, resumed or not: they are prefixed with the
 *       run's attempt ({@code run2:item_0}) so they are unique across a task's runs.
 *   <li>A command the sandbox refused usually leaves no item (now and then it shows as a failed command whose output
 *       is the refusal): {@link #afterExit()} finds the hidden ones in the session file ({@link CodexRollout}), and a
 *       shown one is recognised by its output. Both become {@code agent.permission_denied}.
 * </ul>
 */
final class CodexStream implements AgentStream {

    static final String PROVIDER = "codex";

    /** {@code Reconnecting... 2/5 (reason)}: Codex retrying a request or stream. */
    private static final Pattern RECONNECTING =
            Pattern.compile("^Reconnecting\\.\\.\\.\\s*(\\d+)/(\\d+)\\s*(?:\\((.*)\\))?\\s*$", Pattern.DOTALL);
    /** The provider refused the credential. */
    private static final Pattern UNAUTHORIZED =
            Pattern.compile("status 401|401 Unauthorized|invalid_api_key|Incorrect API key", Pattern.CASE_INSENSITIVE);

    private final String model;
    private final boolean resumed;
    private final boolean sandboxed;
    private final String idPrefix;
    private final AgentUsage.History history;
    private final CodexRollout rollout;
    private final ObjectMapper json;
    private String sessionId;
    private String failure;
    private int denials;
    private final Set<String> errorsReported = new HashSet<>();
    private final Map<String, String> messageSoFar = new HashMap<>();
    private final Map<String, String[]> openCalls = new HashMap<>();

    /** Without history, id prefix or session file: for reading a stream on its own. */
    CodexStream(String model, boolean resumed) {
        this(model, resumed, true, "", AgentUsage.History.NONE, null, null);
    }

    /**
     * @param sandboxed Codex runs commands in its sandbox ({@code --sandbox workspace-write}, not yolo)
     * @param idPrefix put before every item id, e.g. {@code run2:}
     * @param history what the task and the resumed session used before this run
     * @param rollout where this run's sandbox denials are found once Codex has ended; {@code null} for none
     */
    CodexStream(
            String model,
            boolean resumed,
            boolean sandboxed,
            String idPrefix,
            AgentUsage.History history,
            CodexRollout rollout,
            ObjectMapper json) {
        this.model = model;
        this.resumed = resumed;
        this.sandboxed = sandboxed;
        this.idPrefix = idPrefix;
        this.history = history;
        this.rollout = rollout;
        this.json = json;
    }

    @Override
    public String failureCode() {
        return failure != null && UNAUTHORIZED.matcher(failure).find() ? "agent_auth_failed" : null;
    }

    @Override
    public int permissionDenials() {
        return denials;
    }

    @Override
    public List<AgentEvent> afterExit() {
        List<AgentEvent> events = new ArrayList<>();
        if (rollout == null || json == null || !sandboxed) {
            return events;
        }
        for (CodexRollout.Denial denial : rollout.denials(json, sessionId)) {
            denial(events, idPrefix + denial.callId(), denial.tool(), denial.title(), denial.reason());
        }
        return events;
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
            case "thread.started" -> {
                String thread = text(message, "thread_id");
                if (thread != null && sessionId == null) {
                    sessionId = thread;
                    events.add(AgentEvent.info(
                            "agent.session.started",
                            (resumed ? "Codex resumed session " : "Codex session ") + thread,
                            payload(PROVIDER, "sessionId", thread, "model", model, "resumed", resumed)));
                }
            }
            case "turn.completed" -> {
                JsonNode usage = message.get("usage");
                if (usage != null && usage.isObject()) {
                    AgentUsage thread = new AgentUsage(
                            count(usage, "input_tokens"),
                            count(usage, "cached_input_tokens"),
                            count(usage, "cache_write_input_tokens"),
                            count(usage, "output_tokens"),
                            count(usage, "reasoning_output_tokens"),
                            null);
                    AgentUsage run = resumed ? thread.since(history.sessionBefore()) : thread;
                    events.add(AgentUsage.event(PROVIDER, sessionId, run, thread, history));
                }
            }
            case "turn.failed" -> fatal(events, text(message.path("error"), "message"), "turn.failed");
            case "error" -> {
                String text = text(message, "message");
                Matcher retry = text == null ? null : RECONNECTING.matcher(text);
                if (retry != null && retry.matches()) {
                    events.add(new AgentEvent(
                            "agent.retry",
                            "warn",
                            text,
                            payload(
                                    PROVIDER,
                                    "message",
                                    text,
                                    "attempt",
                                    Integer.parseInt(retry.group(1)),
                                    "maxAttempts",
                                    Integer.parseInt(retry.group(2)),
                                    "reason",
                                    retry.group(3))));
                } else {
                    fatal(events, text, "error");
                }
            }
            case "item.started", "item.updated", "item.completed" -> {
                JsonNode item = message.get("item");
                if (item != null && item.isObject()) {
                    item(events, type.substring("item.".length()), item);
                }
            }
            default -> {
                // turn.started, request_user_input, item.plan.delta, …: nothing to show
            }
        }
        return events;
    }

    private void fatal(List<AgentEvent> events, String text, String source) {
        String message = text == null || text.isBlank() ? "Codex reported an error (" + source + ")" : text;
        // The last word wins: turn.failed carries the final error after whatever was reported on the way.
        if (failure == null || source.equals("turn.failed")) {
            failure = message;
        }
        // Codex often reports one failure twice (an error event, then turn.failed): show it once.
        if (errorsReported.add(message)) {
            events.add(new AgentEvent("agent.error", "error", message, payload(PROVIDER, "message", message)));
        }
    }

    private void item(List<AgentEvent> events, String phase, JsonNode item) {
        String rawId = text(item, "id");
        String id = rawId == null ? null : idPrefix + rawId;
        String kind = text(item, "type");
        if (kind == null) {
            return;
        }
        boolean completed = phase.equals("completed");
        switch (kind) {
            case "agent_message" -> agentMessage(events, phase, id, text(item, "text"));
            case "reasoning" -> {
                String text = text(item, "text");
                if (completed && text != null && !text.isBlank()) {
                    events.add(AgentEvent.info(
                            "agent.reasoning",
                            firstLine(text),
                            payload(PROVIDER, "itemId", id, "text", clip(text, AgentEvent.MAX_TEXT))));
                }
            }
            case "command_execution" -> {
                String command = text(item, "command");
                call(
                        events,
                        id,
                        "command",
                        firstLine(command),
                        AgentEvent.NODES.objectNode().put("command", command));
                if (completed) {
                    Long exitCode = number(item, "exit_code");
                    String status = text(item, "status");
                    boolean ok = "completed".equals(status) && exitCode != null && exitCode == 0;
                    String output = text(item, "aggregated_output");
                    if ("declined".equals(status) && (output == null || output.isEmpty())) {
                        output = "The command was declined.";
                    }
                    // Codex usually hides a command its sandbox refused (see afterExit), but not always: shown and
                    // failed with a refusal in its output, it is a denial as well.
                    boolean refused = sandboxed && !ok && CodexRollout.isRefusal(output);
                    if (refused) {
                        denial(events, id, "command", firstLine(command), output);
                    }
                    result(events, id, ok, exitCode, output, refused);
                }
            }
            case "file_change" -> {
                JsonNode changes = item.path("changes");
                List<String> described = new ArrayList<>();
                ArrayNode input = AgentEvent.NODES.arrayNode();
                for (JsonNode change : changes.values()) {
                    String path = text(change, "path");
                    String changeKind = text(change, "kind");
                    described.add((changeKind == null ? "change" : changeKind) + " " + path);
                    input.addObject().put("path", path).put("kind", changeKind);
                }
                String title = described.isEmpty() ? "File changes" : String.join(", ", described);
                call(
                        events,
                        id,
                        "file_change",
                        firstLine(title),
                        AgentEvent.NODES.objectNode().set("changes", input));
                if (completed || !"in_progress".equals(text(item, "status"))) {
                    result(events, id, "completed".equals(text(item, "status")), null, null);
                }
            }
            case "mcp_tool_call" -> {
                String tool = "mcp:" + text(item, "server") + "/" + text(item, "tool");
                JsonNode arguments = item.get("arguments");
                call(
                        events,
                        id,
                        tool,
                        tool,
                        arguments == null ? null : clipStrings(arguments, AgentEvent.MAX_INPUT_STRING));
                if (completed) {
                    JsonNode error = item.get("error");
                    boolean ok = "completed".equals(text(item, "status")) && (error == null || error.isNull());
                    String output = ok
                            ? (item.path("result").isMissingNode()
                                    ? null
                                    : item.path("result").path("content").toString())
                            : text(error, "message");
                    result(events, id, ok, null, output);
                }
            }
            case "web_search" -> {
                String query = text(item, "query");
                call(
                        events,
                        id,
                        "web_search",
                        firstLine(query),
                        AgentEvent.NODES.objectNode().put("query", query));
                if (completed) {
                    result(events, id, true, null, null);
                }
            }
            case "error" -> {
                String text = text(item, "message");
                if (completed && text != null) {
                    // A non-fatal problem Codex reports and carries on after (a deprecation, a retried call).
                    events.add(new AgentEvent(
                            "agent.error", "warn", text, payload(PROVIDER, "message", text, "fatal", false)));
                }
            }
            default -> {
                // todo_list, collab_tool_call, plan, …: not shown
            }
        }
    }

    private static long count(JsonNode usage, String field) {
        Long value = number(usage, field);
        return value == null ? 0 : value;
    }

    private void agentMessage(List<AgentEvent> events, String phase, String id, String text) {
        if (text == null) {
            return;
        }
        String key = id == null ? "" : id;
        if (phase.equals("completed")) {
            messageSoFar.remove(key);
            String full = clip(text, AgentEvent.MAX_TEXT);
            events.add(AgentEvent.info("agent.message", full, payload(PROVIDER, "itemId", id, "text", full)));
            return;
        }
        String before = messageSoFar.getOrDefault(key, "");
        if (text.length() > before.length() && text.startsWith(before)) {
            String delta = text.substring(before.length());
            events.add(AgentEvent.info("agent.message.delta", delta, payload(PROVIDER, "itemId", id, "text", delta)));
        }
        messageSoFar.put(key, text);
    }

    /** A tool call event, once per item (items that only ever complete get theirs just before the result). */
    private void call(List<AgentEvent> events, String id, String tool, String title, JsonNode input) {
        String key = id == null ? "" : id;
        if (openCalls.containsKey(key)) {
            return;
        }
        openCalls.put(key, new String[] {tool, title});
        events.add(AgentEvent.info(
                "agent.tool_call",
                title,
                payload(PROVIDER, "callId", id, "tool", tool, "title", title, "input", input)));
    }

    private void result(List<AgentEvent> events, String id, boolean ok, Long exitCode, String output) {
        result(events, id, ok, exitCode, output, false);
    }

    private void result(List<AgentEvent> events, String id, boolean ok, Long exitCode, String output, boolean refused) {
        String[] call = openCalls.remove(id == null ? "" : id);
        String tool = call == null ? "tool" : call[0];
        String title = call == null ? tool : call[1];
        String summary = title
                + (refused ? " (denied)" : exitCode != null ? " (exit " + exitCode + ")" : ok ? " (ok)" : " (error)");
        events.add(new AgentEvent(
                "agent.tool_result",
                ok ? "info" : "warn",
                summary,
                payload(
                        PROVIDER,
                        "callId",
                        id,
                        "tool",
                        tool,
                        "status",
                        ok ? "ok" : "error",
                        "exitCode",
                        exitCode,
                        "denied",
                        refused ? Boolean.TRUE : null,
                        "output",
                        output == null || output.isEmpty() ? null : clip(output, AgentEvent.MAX_OUTPUT))));
    }

    private void denial(List<AgentEvent> events, String callId, String tool, String title, String reason) {
        denials++;
        events.add(new AgentEvent(
                "agent.permission_denied",
                "warn",
                "Codex's sandbox refused: " + title,
                payload(
                        PROVIDER,
                        "callId",
                        callId,
                        "tool",
                        tool,
                        "title",
                        title,
                        "reason",
                        reason == null ? null : clip(reason.strip(), AgentEvent.MAX_OUTPUT),
                        "source",
                        "sandbox")));
    }
}
