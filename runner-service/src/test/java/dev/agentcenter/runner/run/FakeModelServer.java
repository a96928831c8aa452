package dev.agentcenter.runner.run;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * A model API on 127.0.0.1 for the real agent CLIs: the OpenAI Responses API ({@code POST /v1/responses}, streamed as
 * server-sent events) for Codex and the Anthropic Messages API ({@code POST /v1/messages}, likewise) for Claude Code.
 *
 * <p>It is stateless like a real model: each request carries the whole conversation, and the reply is chosen from it.
 * The last user prompt names a scenario ({@code scenario=<name>}); the number of tool results after that prompt is the
 * step within it. So a scenario is a script of model turns — "call this tool", then "say this" — and a follow-up (a
 * resumed session, whose requests carry the earlier conversation too) is just another prompt with its own scenario.
 * Only the keys given to {@link #acceptKey} are accepted; any other gets the provider's 401. Every request is recorded,
 * so a test can check what the CLI sent (and that it sent nothing else).
 *
 * <p>Shapes follow what the pinned CLIs read (see {@code src/test/resources/fake-agents/README.md}): Codex needs
 * {@code response.created}, {@code response.output_item.done} per item and {@code response.completed} with
 * {@code usage}; a stream that ends without {@code response.completed} makes it reconnect. Claude Code reads the
 * Anthropic streaming events ({@code message_start} … {@code message_stop}).
 */
final class FakeModelServer implements AutoCloseable {

    static final ObjectMapper JSON = JsonMapper.builder().build();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final Pattern SCENARIO = Pattern.compile("scenario=([a-z0-9-]+)");
    private static final Pattern WORKING_DIRECTORY = Pattern.compile("Primary working directory: ([^\\\\\"]+)");

    /** One request as the fake saw it. */
    record Request(
            String method, String path, String provider, String scenario, int step, String prompt, JsonNode body) {

        /** The whole request body as text, to look for what the conversation carried. */
        String bodyText() {
            return body == null ? "" : body.toString();
        }
    }

    private final HttpServer server;
    private final Set<String> keys = ConcurrentHashMap.newKeySet();
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final Set<String> failedOnce = ConcurrentHashMap.newKeySet();

    private FakeModelServer(HttpServer server) {
        this.server = server;
    }

    static FakeModelServer start() {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
            FakeModelServer fake = new FakeModelServer(server);
            server.createContext("/", fake::handle);
            server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
            server.start();
            return fake;
        } catch (IOException e) {
            throw new IllegalStateException("Could not start the fake model server", e);
        }
    }

    /** What {@code AGENT_OPENAI_BASE_URL} is set to: the Responses API lives at {@code <this>/responses}. */
    String openaiBaseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
    }

    /** What {@code AGENT_ANTHROPIC_BASE_URL} is set to: the Messages API lives at {@code <this>/v1/messages}. */
    String anthropicBaseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    void acceptKey(String key) {
        keys.add(key);
    }

    List<Request> requests() {
        return List.copyOf(requests);
    }

    /** The requests whose last prompt contains {@code text}. */
    List<Request> requestsFor(String text) {
        return requests.stream()
                .filter(r -> r.prompt() != null && r.prompt().contains(text))
                .toList();
    }

    @Override
    public void close() {
        server.stop(0);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            byte[] raw = exchange.getRequestBody().readAllBytes();
            JsonNode body = parse(raw);
            String method = exchange.getRequestMethod();
            if (method.equals("POST") && path.equals("/v1/responses")) {
                openai(exchange, body);
            } else if (method.equals("POST") && path.equals("/v1/messages")) {
                anthropic(exchange, body);
            } else {
                requests.add(new Request(method, path, null, null, 0, null, body));
                send(exchange, 404, "{\"error\":{\"message\":\"not found\"}}");
            }
        }
    }

    // ---- OpenAI Responses API (Codex) -----------------------------------------------------------------------------

    private void openai(HttpExchange exchange, JsonNode body) throws IOException {
        Conversation conversation = openaiConversation(body);
        requests.add(new Request(
                "POST",
                "/v1/responses",
                "openai",
                conversation.scenario(),
                conversation.step(),
                conversation.prompt(),
                body));
        String auth = exchange.getRequestHeaders().getFirst("Authorization");
        String key = auth != null && auth.startsWith("Bearer ") ? auth.substring("Bearer ".length()) : null;
        if (key == null || !keys.contains(key)) {
            send(
                    exchange,
                    401,
                    "{\"error\":{\"message\":\"Incorrect API key provided: " + mask(key) + ". You can find your API"
                            + " key at https://platform.openai.com/account/api-keys.\",\"type\":"
                            + "\"invalid_request_error\",\"param\":null,\"code\":\"invalid_api_key\"}}");
            return;
        }
        String scenario = conversation.scenario() == null ? "plain" : conversation.scenario();
        int step = conversation.step();
        String responseId = "resp_" + shortId(conversation.prompt()) + "_" + step;
        List<ObjectNode> items = new ArrayList<>();
        switch (scenario + "#" + step) {
            case "edit#0" -> {
                items.add(reasoning(
                        "**Looking around**\n\nI'll list the workspace, then add hello.txt with a greeting."));
                items.add(exec(step, "ls"));
            }
            case "edit#1" ->
                items.add(exec(
                        step,
                        "apply_patch <<'EOF'\n*** Begin Patch\n*** Add File: hello.txt\n+hello from codex\n"
                                + "*** End Patch\nEOF\n"));
            case "edit#2" -> items.add(message("I added hello.txt with a greeting."));
            // The recording of codex-basic.jsonl: edit, plus a command that fails.
            case "basic#0" -> {
                items.add(reasoning(
                        "**Looking around**\n\nI'll list the workspace, then add hello.txt with a greeting."));
                items.add(exec(step, "ls"));
            }
            case "basic#1" ->
                items.add(exec(
                        step,
                        "apply_patch <<'EOF'\n*** Begin Patch\n*** Add File: hello.txt\n+hello from codex\n"
                                + "*** End Patch\nEOF\n"));
            case "basic#2" -> items.add(exec(step, "cat missing.txt"));
            case "basic#3" -> items.add(message("I added hello.txt with a greeting."));
            case "follow-up#0" -> items.add(exec(step, "cat hello.txt"));
            case "follow-up#1" -> items.add(message("hello.txt says: hello from codex"));
            case "failing-tool#0" -> items.add(exec(step, "cat missing.txt"));
            case "failing-tool#1" -> items.add(message("missing.txt does not exist."));
            case "denied#0" -> items.add(exec(step, "echo escaped > " + word(conversation.prompt(), "target")));
            case "denied#1" -> items.add(message("The sandbox did not let me write outside the workspace."));
            case "reconnect#0" -> {
                if (failedOnce.add(conversation.prompt() + "#" + step)) {
                    // The stream ends before response.completed: Codex reconnects and asks again.
                    sse(exchange, List.of(event("response.created", response(responseId, null))));
                    return;
                }
                items.add(message("Done after a reconnect."));
            }
            default -> items.add(message("OK."));
        }
        List<ObjectNode> events = new ArrayList<>();
        events.add(event("response.created", response(responseId, null)));
        for (ObjectNode item : items) {
            events.add(event("response.output_item.added", NODES.objectNode().set("item", item)));
            events.add(event("response.output_item.done", NODES.objectNode().set("item", item)));
        }
        ObjectNode usage = NODES.objectNode()
                .put("input_tokens", 1000)
                .put("output_tokens", 50)
                .put("total_tokens", 1050);
        usage.putObject("input_tokens_details").put("cached_tokens", 200);
        usage.putObject("output_tokens_details").put("reasoning_tokens", 10);
        events.add(event("response.completed", response(responseId, usage)));
        sse(exchange, events);
    }

    /** The value of {@code name=<value>} in the prompt. */
    private static String word(String prompt, String name) {
        Matcher word = Pattern.compile(name + "=(\\S+)").matcher(prompt == null ? "" : prompt);
        return word.find() ? word.group(1) : "/nonexistent";
    }

    private static Conversation openaiConversation(JsonNode body) {
        JsonNode input = body == null ? null : body.get("input");
        if (input == null || !input.isArray()) {
            return new Conversation(null, null, 0);
        }
        List<JsonNode> items = new ArrayList<>(input.values());
        for (int i = items.size() - 1; i >= 0; i--) {
            JsonNode item = items.get(i);
            if (!"message".equals(item.path("type").asString(null))
                    || !"user".equals(item.path("role").asString(null))) {
                continue;
            }
            for (JsonNode part : item.path("content").values()) {
                String text = part.path("text").asString("");
                Matcher scenario = SCENARIO.matcher(text);
                if (scenario.find()) {
                    int step = 0;
                    for (JsonNode later : items.subList(i + 1, items.size())) {
                        String type = later.path("type").asString("");
                        if (type.equals("function_call_output") || type.equals("custom_tool_call_output")) {
                            step++;
                        }
                    }
                    return new Conversation(text, scenario.group(1), step);
                }
            }
        }
        return new Conversation(null, null, 0);
    }

    private static ObjectNode exec(int step, String command) {
        // login=false: the shell does not read the host's profile, whose output would only add noise.
        String arguments =
                NODES.objectNode().put("cmd", command).put("login", false).toString();
        return NODES.objectNode()
                .put("type", "function_call")
                .put("id", "fc_" + step)
                .put("call_id", "call_" + step + "_" + Integer.toHexString(command.hashCode()))
                .put("name", "exec_command")
                .put("arguments", arguments);
    }

    private static ObjectNode reasoning(String summary) {
        ObjectNode item = NODES.objectNode().put("type", "reasoning").put("id", "rs_1");
        item.putArray("summary").addObject().put("type", "summary_text").put("text", summary);
        return item;
    }

    private static ObjectNode message(String text) {
        ObjectNode item = NODES.objectNode()
                .put("type", "message")
                .put("role", "assistant")
                .put("id", "msg_" + Integer.toHexString(text.hashCode()))
                .put("status", "completed");
        ObjectNode part = item.putArray("content").addObject();
        part.put("type", "output_text").put("text", text);
        part.putArray("annotations");
        return item;
    }

    private static ObjectNode response(String id, ObjectNode usage) {
        ObjectNode response = NODES.objectNode().put("id", id).put("object", "response");
        if (usage != null) {
            response.put("status", "completed").set("usage", usage);
        } else {
            response.put("status", "in_progress");
        }
        return NODES.objectNode().set("response", response);
    }

    // ---- Anthropic Messages API (Claude Code) ---------------------------------------------------------------------

    private void anthropic(HttpExchange exchange, JsonNode body) throws IOException {
        Conversation conversation = anthropicConversation(body);
        requests.add(new Request(
                "POST",
                "/v1/messages",
                "anthropic",
                conversation.scenario(),
                conversation.step(),
                conversation.prompt(),
                body));
        String key = exchange.getRequestHeaders().getFirst("x-api-key");
        if (key == null || !keys.contains(key)) {
            send(
                    exchange,
                    401,
                    "{\"type\":\"error\",\"error\":{\"type\":\"authentication_error\",\"message\":\"invalid"
                            + " x-api-key\"},\"request_id\":\"req_fake_401\"}");
            return;
        }
        String scenario = conversation.scenario() == null ? "plain" : conversation.scenario();
        int step = conversation.step();
        String model = body.path("model").asString("claude-fake");
        String id = "msg_" + shortId(conversation.prompt()) + "_" + step;
        List<ObjectNode> blocks = new ArrayList<>();
        switch (scenario + "#" + step) {
            case "edit#0" -> {
                blocks.add(text("I'll create hello.txt with a greeting."));
                // An absolute path, as Claude Code tells its model to use: its working directory from the system
                // prompt.
                blocks.add(toolUse(
                        id,
                        "Write",
                        NODES.objectNode()
                                .put("file_path", workingDirectory(body) + "hello.txt")
                                .put("content", "hello from claude\n")));
            }
            case "edit#1" ->
                blocks.add(toolUse(
                        id,
                        "Bash",
                        NODES.objectNode().put("command", "cat hello.txt").put("description", "Show hello.txt")));
            case "edit#2" -> blocks.add(text("Done: hello.txt now greets you."));
            case "follow-up#0" -> blocks.add(text("You asked me to create hello.txt, and it greets you."));
            case "failing-tool#0" ->
                blocks.add(toolUse(id, "Read", NODES.objectNode().put("file_path", "missing.txt")));
            case "failing-tool#1" -> blocks.add(text("missing.txt does not exist."));
            case "denied#0" ->
                blocks.add(toolUse(
                        id,
                        "Bash",
                        NODES.objectNode()
                                .put("command", "curl -s http://127.0.0.1:9/ -o fetched.txt")
                                .put("description", "Fetch a page")));
            case "denied#1" -> blocks.add(text("I was not allowed to run curl."));
            case "yolo-bash#0" ->
                blocks.add(toolUse(
                        id,
                        "Bash",
                        NODES.objectNode()
                                .put("command", "echo from bash > bash.txt")
                                .put("description", "Write bash.txt")));
            case "yolo-bash#1" -> blocks.add(text("bash.txt is written."));
            case "retry#0" -> {
                if (failedOnce.add(conversation.prompt() + "#" + step)) {
                    send(
                            exchange,
                            529,
                            "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}");
                    return;
                }
                blocks.add(text("Done after a retry."));
            }
            default -> blocks.add(text("OK."));
        }
        boolean toolCall =
                blocks.stream().anyMatch(b -> b.path("type").asString("").equals("tool_use"));
        List<ObjectNode> events = new ArrayList<>();
        ObjectNode message = NODES.objectNode()
                .put("id", id)
                .put("type", "message")
                .put("role", "assistant")
                .put("model", model);
        message.putArray("content");
        message.putNull("stop_reason");
        message.putNull("stop_sequence");
        message.putObject("usage")
                .put("input_tokens", 100)
                .put("cache_creation_input_tokens", 20)
                .put("cache_read_input_tokens", 300)
                .put("output_tokens", 1);
        events.add(event("message_start", NODES.objectNode().set("message", message)));
        for (int index = 0; index < blocks.size(); index++) {
            ObjectNode block = blocks.get(index);
            boolean isText = block.path("type").asString("").equals("text");
            ObjectNode start = block.deepCopy();
            if (isText) {
                start.put("text", "");
            } else {
                start.putObject("input");
            }
            events.add(event(
                    "content_block_start",
                    NODES.objectNode().put("index", index).set("content_block", start)));
            String whole =
                    isText ? block.path("text").asString() : block.path("input").toString();
            // Several chunks, as a real stream has: the runner must join them.
            for (String chunk : isText ? words(whole) : halves(whole)) {
                ObjectNode delta = isText
                        ? NODES.objectNode().put("type", "text_delta").put("text", chunk)
                        : NODES.objectNode().put("type", "input_json_delta").put("partial_json", chunk);
                events.add(event(
                        "content_block_delta",
                        NODES.objectNode().put("index", index).set("delta", delta)));
            }
            events.add(event("content_block_stop", NODES.objectNode().put("index", index)));
        }
        ObjectNode messageDelta = NODES.objectNode();
        messageDelta
                .putObject("delta")
                .put("stop_reason", toolCall ? "tool_use" : "end_turn")
                .putNull("stop_sequence");
        messageDelta.putObject("usage").put("output_tokens", 40);
        events.add(event("message_delta", messageDelta));
        events.add(event("message_stop", NODES.objectNode()));
        sse(exchange, events);
    }

    /**
     * Claude Code's working directory with a trailing slash, from the environment notes it sends (in its first user
     * message, in 2.1); empty when they are not there.
     */
    private static String workingDirectory(JsonNode body) {
        Matcher directory = WORKING_DIRECTORY.matcher(body.toString());
        return directory.find() ? directory.group(1).strip() + "/" : "";
    }

    /** A text in chunks of two words, each after the first with its leading space: "I'll create", " hello.txt with". */
    private static List<String> words(String text) {
        List<String> chunks = new ArrayList<>();
        String[] words = text.split(" ", -1);
        StringBuilder chunk = new StringBuilder();
        for (int i = 0; i < words.length; i++) {
            if (i > 0) {
                chunk.append(' ');
            }
            chunk.append(words[i]);
            if (i % 2 == 1 || i == words.length - 1) {
                chunks.add(chunk.toString());
                chunk.setLength(0);
            }
        }
        return chunks;
    }

    private static List<String> halves(String text) {
        int half = text.length() / 2;
        return List.of(text.substring(0, half), text.substring(half));
    }

    private static Conversation anthropicConversation(JsonNode body) {
        JsonNode messages = body == null ? null : body.get("messages");
        if (messages == null || !messages.isArray()) {
            return new Conversation(null, null, 0);
        }
        List<JsonNode> all = new ArrayList<>(messages.values());
        for (int i = all.size() - 1; i >= 0; i--) {
            JsonNode message = all.get(i);
            if (!"user".equals(message.path("role").asString(null))) {
                continue;
            }
            for (String text : texts(message.get("content"))) {
                Matcher scenario = SCENARIO.matcher(text);
                if (scenario.find()) {
                    int step = 0;
                    for (JsonNode later : all.subList(i + 1, all.size())) {
                        for (JsonNode block : later.path("content").values()) {
                            if ("tool_result".equals(block.path("type").asString(null))) {
                                step++;
                            }
                        }
                    }
                    return new Conversation(text, scenario.group(1), step);
                }
            }
        }
        return new Conversation(null, null, 0);
    }

    private static List<String> texts(JsonNode content) {
        List<String> texts = new ArrayList<>();
        if (content == null) {
            return texts;
        }
        if (content.isString()) {
            texts.add(content.asString());
        }
        for (JsonNode block : content.values()) {
            if ("text".equals(block.path("type").asString(null))) {
                texts.add(block.path("text").asString(""));
            }
        }
        return texts;
    }

    private static ObjectNode text(String text) {
        return NODES.objectNode().put("type", "text").put("text", text);
    }

    private static ObjectNode toolUse(String messageId, String name, ObjectNode input) {
        ObjectNode block = NODES.objectNode()
                .put("type", "tool_use")
                .put("id", "toolu_" + messageId.substring("msg_".length()))
                .put("name", name);
        block.set("input", input);
        return block;
    }

    // ---- plumbing -------------------------------------------------------------------------------------------------

    private record Conversation(String prompt, String scenario, int step) {}

    private static ObjectNode event(String type, ObjectNode fields) {
        ObjectNode event = NODES.objectNode().put("type", type);
        event.setAll(fields);
        return event;
    }

    /** Server-sent events, flushed one by one. */
    private static void sse(HttpExchange exchange, List<ObjectNode> events) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
        exchange.getResponseHeaders().set("Cache-Control", "no-cache");
        exchange.getResponseHeaders().set("request-id", "req_fake");
        exchange.getResponseHeaders().set("x-request-id", "req_fake");
        exchange.sendResponseHeaders(200, 0);
        OutputStream out = exchange.getResponseBody();
        for (ObjectNode event : events) {
            String frame = "event: " + event.path("type").asString() + "\ndata: " + event + "\n\n";
            out.write(frame.getBytes(StandardCharsets.UTF_8));
            out.flush();
        }
        // Incomplete or not, the body ends here: without response.completed / message_stop the CLI sees a stream
        // that ended too early.
        out.close();
    }

    private static void send(HttpExchange exchange, int status, String json) throws IOException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.getResponseHeaders().set("request-id", "req_fake_" + status);
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    private static JsonNode parse(byte[] raw) {
        if (raw.length == 0) {
            return null;
        }
        try {
            return JSON.readTree(raw);
        } catch (JacksonException e) {
            return NODES.stringNode(new String(raw, StandardCharsets.UTF_8));
        }
    }

    private static String mask(String key) {
        if (key == null || key.length() < 8) {
            return "<none>";
        }
        return key.substring(0, 3) + "***" + key.substring(key.length() - 3);
    }

    private static String shortId(String prompt) {
        return Integer.toHexString(prompt == null ? 0 : prompt.hashCode()).toLowerCase(Locale.ROOT);
    }
}
