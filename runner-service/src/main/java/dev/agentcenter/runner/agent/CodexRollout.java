package dev.agentcenter.runner.agent;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * What Codex's session file says about commands it never showed.
 *
 * <p>{@code codex exec --json} prints no item at all for a command its sandbox refused (a write outside the
 * workspace under {@code --sandbox workspace-write}) or for an escalation it rejected because {@code exec} never asks
 * for approval: the model gets the refusal as the tool's output, the JSON stream gets nothing. Codex's own session
 * file ({@code $CODEX_HOME/sessions/YYYY/MM/DD/rollout-<time>-<thread id>.jsonl}, which {@code exec resume} appends
 * to) records every tool call ({@code response_item} {@code function_call} / {@code function_call_output}) and every
 * item it showed ({@code event_msg} {@code item_started} / {@code item_completed}, whose item id is the call id).
 * A command call of this run that was never shown, and whose output reads like a refusal (Codex's own heuristic
 * words: "operation not permitted", "read-only file system", "sandbox", …, or "reject command"), is a denial.
 *
 * <p>The file is Codex's internal format: anything unexpected in it is skipped, and a missing file means no
 * denials are known (logged once at debug level).
 */
final class CodexRollout {

    private static final Logger log = LoggerFactory.getLogger(CodexRollout.class);

    /** Tools through which Codex runs commands or edits files. */
    private static final Set<String> COMMAND_TOOLS =
            Set.of("exec_command", "shell", "shell_command", "local_shell", "container.exec", "apply_patch");

    /** Words of a refusal, as in Codex's {@code is_likely_sandbox_denied} plus its approval rejections. */
    private static final List<String> REFUSAL_WORDS = List.of(
            "operation not permitted",
            "permission denied",
            "read-only file system",
            "seccomp",
            "sandbox",
            "landlock",
            "failed to write file",
            "reject command",
            "approval policy");

    /** Longest session file read; a bigger one is read from its end. */
    private static final long MAX_BYTES = 64L * 1024 * 1024;

    /** A command Codex did not run, or ran and its sandbox stopped. */
    record Denial(String callId, String tool, String title, String reason) {}

    private final Path codexHome;
    private final String resumedThread;
    private final Map<Path, Long> sizesBefore = new LinkedHashMap<>();

    /**
     * Notes how long the resumed thread's session file already is, so that only what this run appends is read.
     *
     * @param resumedThread the thread {@code exec resume} continues, or {@code null} for a new one
     */
    CodexRollout(Path codexHome, String resumedThread) {
        this.codexHome = codexHome;
        this.resumedThread = resumedThread;
        if (resumedThread != null) {
            for (Path file : files(resumedThread)) {
                try {
                    sizesBefore.put(file, Files.size(file));
                } catch (IOException e) {
                    sizesBefore.put(file, 0L);
                }
            }
        }
    }

    /** The denials of this run in thread {@code threadId}'s session file (empty when there is none). */
    List<Denial> denials(ObjectMapper json, String threadId) {
        if (threadId == null) {
            return List.of();
        }
        Map<String, JsonNode> calls = new LinkedHashMap<>();
        Map<String, String> outputs = new LinkedHashMap<>();
        Set<String> shown = new HashSet<>();
        List<Path> files = files(threadId);
        if (files.isEmpty()) {
            log.debug("No Codex session file for thread {} under {}", threadId, codexHome);
        }
        for (Path file : files) {
            long from = threadId.equals(resumedThread) ? sizesBefore.getOrDefault(file, 0L) : 0L;
            for (String line : lines(file, from)) {
                JsonNode entry = parse(json, line);
                if (entry == null) {
                    continue;
                }
                JsonNode payload = entry.path("payload");
                String kind = payload.path("type").asString("");
                switch (entry.path("type").asString("") + "/" + kind) {
                    case "response_item/function_call", "response_item/custom_tool_call" -> {
                        String callId = AgentEvent.text(payload, "call_id");
                        if (callId != null) {
                            calls.put(callId, payload);
                        }
                    }
                    case "response_item/function_call_output", "response_item/custom_tool_call_output" -> {
                        String callId = AgentEvent.text(payload, "call_id");
                        JsonNode output = payload.get("output");
                        if (callId != null && output != null) {
                            outputs.put(callId, output.isString() ? output.asString() : output.toString());
                        }
                    }
                    case "event_msg/item_started", "event_msg/item_completed" -> {
                        String id = AgentEvent.text(payload.path("item"), "id");
                        if (id != null) {
                            shown.add(id);
                        }
                    }
                    default -> {
                        String callId = AgentEvent.text(payload, "call_id");
                        if (entry.path("type").asString("").equals("event_msg") && callId != null) {
                            // exec_command_begin, patch_apply_begin, …: Codex showed the call.
                            shown.add(callId);
                        }
                    }
                }
            }
        }
        List<Denial> denials = new ArrayList<>();
        calls.forEach((callId, call) -> {
            String name = AgentEvent.text(call, "name");
            String output = outputs.get(callId);
            if (name == null || !COMMAND_TOOLS.contains(name) || shown.contains(callId) || !isRefusal(output)) {
                return;
            }
            boolean patch = name.equals("apply_patch");
            denials.add(
                    new Denial(callId, patch ? "file_change" : "command", title(json, call, patch), output.strip()));
        });
        return denials;
    }

    /** Whether a command's output reads like a refusal by the sandbox or the approval policy. */
    static boolean isRefusal(String output) {
        if (output == null) {
            return false;
        }
        String lower = output.toLowerCase(Locale.ROOT);
        return REFUSAL_WORDS.stream().anyMatch(lower::contains);
    }

    /** The command as the model asked for it: {@code cmd} or {@code command} (a string or an argv) of its arguments. */
    private static String title(ObjectMapper json, JsonNode call, boolean patch) {
        if (patch) {
            return "apply_patch";
        }
        JsonNode arguments = call.get("arguments");
        if (arguments != null && arguments.isString()) {
            arguments = parse(json, arguments.asString());
        }
        if (arguments == null) {
            return AgentEvent.text(call, "name");
        }
        for (String field : List.of("cmd", "command")) {
            JsonNode value = arguments.get(field);
            if (value != null && value.isString()) {
                return AgentEvent.firstLine(value.asString());
            }
            if (value != null && value.isArray()) {
                List<String> words = new ArrayList<>();
                value.values().forEach(word -> words.add(word.asString("")));
                return AgentEvent.firstLine(String.join(" ", words));
            }
        }
        return AgentEvent.text(call, "name");
    }

    private List<Path> files(String threadId) {
        Path sessions = codexHome.resolve("sessions");
        if (!Files.isDirectory(sessions)) {
            return List.of();
        }
        String suffix = "-" + threadId + ".jsonl";
        try (Stream<Path> walk = Files.walk(sessions, 4)) {
            return walk.filter(file -> {
                        String name = file.getFileName().toString();
                        return name.startsWith("rollout-") && name.endsWith(suffix) && Files.isRegularFile(file);
                    })
                    .sorted()
                    .toList();
        } catch (IOException | RuntimeException e) {
            log.debug("Could not list Codex session files under {}: {}", sessions, e.getMessage());
            return List.of();
        }
    }

    private static List<String> lines(Path file, long from) {
        try (InputStream in = Files.newInputStream(file)) {
            long size = Files.size(file);
            long start = Math.max(from, size - MAX_BYTES);
            in.skipNBytes(Math.min(start, size));
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return text.lines().toList();
        } catch (IOException | RuntimeException e) {
            log.debug("Could not read Codex session file {}: {}", file, e.getMessage());
            return List.of();
        }
    }

    private static JsonNode parse(ObjectMapper json, String line) {
        if (line == null || line.isBlank()) {
            return null;
        }
        try {
            return Optional.ofNullable(json.readTree(line))
                    .filter(JsonNode::isObject)
                    .orElse(null);
        } catch (JacksonException e) {
            return null;
        }
    }
}
