package dev.agentcenter.runner.agent;

import dev.agentcenter.runner.execution.SecretRedactor;
import dev.agentcenter.runner.execution.ShellCommand;
import dev.agentcenter.support.events.RunEventWriter.Draft;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * One prepared agent invocation: starts the CLI in its own process group (so a cancel stops everything it started),
 * turns its output into run events, judges how it ended, and removes what it wrote outside the workspace.
 *
 * <p>The credential reaches only this process: as an environment variable ({@code OPENAI_API_KEY}/
 * {@code CODEX_API_KEY}, {@code ANTHROPIC_API_KEY}) or as {@code $CODEX_HOME/auth.json} (mode 0600, deleted by
 * {@link #close()}, also after a failure or a cancel). Its values are handed to the run's redactor ({@link #secrets()}),
 * so whatever the agent prints, its events and logs hold {@code [REDACTED]} instead.
 */
public final class AgentRun implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(AgentRun.class);
    private static final int STDERR_TAIL_LINES = 8;
    private static final int LOG_LINE_CHARS = 64 * 1024;

    private final String provider;
    private final String label;
    private final List<String> argv;
    private final Map<String, String> environment;
    private final Path cwd;
    private final Path promptFile;
    private final Path home;
    private final Duration timeout;
    private final String model;
    private final String resumedSession;
    private final String promptSource;
    private final AgentCredentials.Credential credential;
    private final List<String> secrets;
    private final AgentStream stream;
    private final AgentCredentials credentials;
    private final ObjectMapper json;
    private final String baseUrl;
    private final Deque<String> stderrTail = new ArrayDeque<>();
    private SecretRedactor redactor = new SecretRedactor();
    private Consumer<Draft> emit;
    private boolean closed;
    private Duration stopGrace = ShellCommand.TIMEOUT_GRACE;
    private volatile ShellCommand.Running running;
    /** Set when the runner stopped the CLI because its stream showed a failure it would only keep retrying. */
    private volatile boolean stopping;

    AgentRun(
            String provider,
            String label,
            List<String> argv,
            Map<String, String> environment,
            Path cwd,
            Path promptFile,
            Path home,
            Duration timeout,
            String model,
            String resumedSession,
            String promptSource,
            AgentCredentials.Credential credential,
            List<String> secrets,
            AgentStream stream,
            AgentCredentials credentials,
            ObjectMapper json,
            String baseUrl) {
        this.provider = provider;
        this.label = label;
        this.argv = List.copyOf(argv);
        this.environment = environment;
        this.cwd = cwd;
        this.promptFile = promptFile;
        this.home = home;
        this.timeout = timeout;
        this.model = model;
        this.resumedSession = resumedSession;
        this.promptSource = promptSource;
        this.credential = credential;
        this.secrets = List.copyOf(secrets);
        this.stream = stream;
        this.credentials = credentials;
        this.json = json;
        this.baseUrl = baseUrl;
    }

    /** The credential's secret values, for the run's redactor. */
    public List<String> secrets() {
        return secrets;
    }

    /** {@code codex} or {@code claude}. */
    public String provider() {
        return provider;
    }

    /** {@code Codex} or {@code Claude Code}. */
    public String label() {
        return label;
    }

    /**
     * Starts the agent. Its events go to {@code emit} (already redacted with {@code redactor}), from the output reader
     * threads, in output order per stream.
     */
    public ShellCommand.Running start(SecretRedactor redactor, Consumer<Draft> emit, Duration timeoutGrace)
            throws IOException {
        return start(redactor, emit, timeoutGrace, ShellCommand::start);
    }

    /** Starts a process: {@link ShellCommand#start(ShellCommand.ArgvSpec, ShellCommand.OutputSink, Duration)}. */
    @FunctionalInterface
    public interface Launcher {
        ShellCommand.Running start(ShellCommand.ArgvSpec spec, ShellCommand.OutputSink sink, Duration timeoutGrace)
                throws IOException;
    }

    /** Like {@link #start(SecretRedactor, Consumer, Duration)}, with the process started by {@code launcher}. */
    public ShellCommand.Running start(
            SecretRedactor redactor, Consumer<Draft> emit, Duration timeoutGrace, Launcher launcher)
            throws IOException {
        this.redactor = redactor;
        this.emit = emit;
        if (credential instanceof AgentCredentials.CodexAuthJson auth) {
            writePrivate(home.resolve("auth.json"), auth.json());
        } else {
            // Left by a runner that died mid-run, or by an earlier sign-in credential: the key given now must win.
            Files.deleteIfExists(home.resolve("auth.json"));
        }
        ObjectNode started = AgentEvent.payload(
                provider,
                "cli",
                argv.getFirst(),
                "args",
                args(),
                "model",
                model,
                "resumeSessionId",
                resumedSession,
                "promptSource",
                promptSource,
                "credential",
                credential.source(),
                "baseUrl",
                baseUrl,
                "cwd",
                cwd.toString());
        emit(AgentEvent.info(
                "agent.started",
                resumedSession == null
                        ? "Starting " + label
                        : "Starting " + label + ", resuming session " + resumedSession,
                started));
        ShellCommand.ArgvSpec spec =
                new ShellCommand.ArgvSpec(argv, cwd, environment, promptFile, timeout, Agents.MAX_LINE_BYTES);
        stopGrace = timeoutGrace;
        ShellCommand.Running process = launcher.start(spec, this::line, timeoutGrace);
        running = process;
        if (stopping) {
            // The stream asked for a stop before this method had the process to stop.
            process.cancel(timeoutGrace);
        }
        return process;
    }

    /** The arguments after the CLI (no secret is ever among them: the prompt goes to stdin). */
    private ArrayNode args() {
        ArrayNode args = AgentEvent.NODES.arrayNode();
        argv.subList(1, argv.size()).forEach(args::add);
        return args;
    }

    /**
     * How the agent ended, for the run.
     *
     * @param cancelled the run was cancelled (not a failure of the agent)
     * @param exitCode the CLI's non-zero exit code when that is how it failed; {@code null} when it failed in its
     *     stream, was stopped, or succeeded
     */
    public record Result(boolean ok, String code, String message, boolean cancelled, Integer exitCode) {}

    /**
     * Judges the outcome: the process's exit, a timeout, or a failure the agent reported in its own stream (an exit
     * code of 0 with {@code turn.failed} or an error result still fails the run). Emits {@code agent.finished}, and
     * an {@code agent.error} when the stream had not already said what went wrong.
     */
    public Result finish(ShellCommand.Outcome outcome) {
        Result result;
        boolean stopped = stopping && stream.failure() != null;
        if (outcome.cancelled() && !stopped) {
            result = new Result(false, "cancelled", label + " was cancelled", true, null);
        } else if (outcome.timedOut()) {
            result = new Result(
                    false,
                    "agent_timed_out",
                    label + " ran longer than " + timeout.toSeconds() + " s (RUNNER_AGENT_TIMEOUT_SECONDS) and was"
                            + " stopped.",
                    false,
                    null);
        } else if (stream.failure() != null) {
            // What the agent said went wrong (its final word, not a retry notice) becomes the run's error message,
            // redacted like its events; a refused credential says where to store a valid one.
            String code = stream.failureCode() != null ? stream.failureCode() : "agent_failed";
            String message = label + " failed: " + stream.failure();
            if (code.equals("agent_auth_failed")) {
                message += authHint(message);
            }
            result = new Result(
                    false,
                    code,
                    redactor.redact(message),
                    false,
                    stopped || outcome.exitCode() == 0 ? null : outcome.exitCode());
        } else if (outcome.exitCode() != 0) {
            String tail;
            synchronized (stderrTail) {
                tail = stderrTail.isEmpty() ? "" : "\n\nLast output:\n" + String.join("\n", stderrTail);
            }
            result = new Result(
                    false,
                    "agent_failed",
                    label + " exited with code " + outcome.exitCode() + tail,
                    false,
                    outcome.exitCode());
        } else {
            result = new Result(true, null, null, false, null);
        }
        for (AgentEvent event : stream.afterExit()) {
            emit(event);
        }
        if (!result.ok() && !result.cancelled() && stream.failure() == null) {
            emit(new AgentEvent(
                    "agent.error",
                    "error",
                    result.message(),
                    AgentEvent.payload(provider, "message", result.message(), "code", result.code())));
        }
        emit(new AgentEvent(
                "agent.finished",
                result.ok() ? "info" : result.cancelled() ? "warn" : "error",
                result.ok() ? label + " finished" : result.message(),
                AgentEvent.payload(
                        provider,
                        "exitCode",
                        outcome.exitCode(),
                        "durationMs",
                        outcome.duration().toMillis(),
                        "sessionId",
                        stream.sessionId(),
                        "timedOut",
                        outcome.timedOut(),
                        "cancelled",
                        result.cancelled(),
                        "stopped",
                        stopped ? Boolean.TRUE : null,
                        "code",
                        result.code(),
                        "permissionDenials",
                        stream.permissionDenials())));
        return result;
    }

    /** Where the refused credential came from and how to replace it. */
    private String authHint(String message) {
        boolean codex = provider.equals(CodexStream.PROVIDER);
        String route = "POST /api/credentials/" + (codex ? "openai" : "anthropic");
        String variable = codex ? "OPENAI_API_KEY" : "ANTHROPIC_API_KEY";
        String separator = message.endsWith(".") ? " " : ". ";
        return separator
                + (credential.source().equals("runner_environment")
                        ? "The runner's " + variable + " was refused: store a valid credential with " + route
                                + " or fix " + variable + "."
                        : "The stored " + (codex ? "OpenAI" : "Anthropic") + " credential was refused: store a valid"
                                + " one with " + route + ".");
    }

    /**
     * Removes the prompt file and {@code auth.json}; a Codex sign-in that Codex refreshed during the run is stored
     * back first, if it is still the stored account's (else an {@code agent.error} warning with {@code fatal: false}
     * and code {@code agent_credential_refused} says why it was not). Idempotent; never throws.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        Path auth = home.resolve("auth.json");
        try {
            if (credential instanceof AgentCredentials.CodexAuthJson used && Files.isRegularFile(auth)) {
                String now = Files.readString(auth, StandardCharsets.UTF_8);
                if (!now.equals(used.json())
                        && credentials.storeRefreshedCodexAuth(used, now)
                                instanceof AgentCredentials.WriteBack.Refused refused) {
                    String message = label + " left a sign-in (auth.json) that was not stored: " + refused.reason()
                            + ". The stored OpenAI credential is kept; this run's refreshed tokens, if any, are"
                            + " dropped.";
                    emit(new AgentEvent(
                            "agent.error",
                            "warn",
                            message,
                            AgentEvent.payload(
                                    provider, "message", message, "code", "agent_credential_refused", "fatal", false)));
                }
            }
        } catch (IOException | RuntimeException e) {
            log.warn("Could not store the refreshed Codex auth.json: {}", e.getMessage());
        }
        for (Path file : List.of(auth, promptFile)) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                log.error("Could not delete {}: {}", file, e.getMessage());
            }
        }
    }

    private void line(ShellCommand.Stream from, String line) {
        if (from == ShellCommand.Stream.STDERR) {
            String text = redactor.redact(line);
            synchronized (stderrTail) {
                stderrTail.addLast(AgentEvent.clip(text, 500));
                while (stderrTail.size() > STDERR_TAIL_LINES) {
                    stderrTail.removeFirst();
                }
            }
            logLine("stderr", text);
            return;
        }
        JsonNode message = parse(line);
        if (message == null) {
            logLine("stdout", redactor.redact(line));
            return;
        }
        for (AgentEvent event : stream.accept(message)) {
            emit(event);
        }
        if (stream.stopRequested() && !stopping) {
            stopping = true;
            ShellCommand.Running current = running;
            if (current != null) {
                current.cancel(stopGrace);
            }
        }
    }

    private JsonNode parse(String line) {
        String trimmed = line.strip();
        if (!trimmed.startsWith("{")) {
            return null;
        }
        try {
            JsonNode node = json.readTree(trimmed);
            return node != null && node.isObject() ? node : null;
        } catch (JacksonException e) {
            return null;
        }
    }

    /** A line that is not one of the agent's JSON messages (a warning on stderr, a progress line): kept as run.log. */
    private void logLine(String streamName, String redacted) {
        String text = AgentEvent.clip(redacted, LOG_LINE_CHARS);
        emitDraft(new Draft(
                "run.log",
                "info",
                text,
                json.writeValueAsString(AgentEvent.payload(provider, "stream", streamName, "source", "agent"))));
    }

    private void emit(AgentEvent event) {
        ObjectNode payload = (ObjectNode) redacted(event.payload());
        emitDraft(new Draft(
                event.type(),
                event.level(),
                redactor.redact(stripNul(event.message())),
                json.writeValueAsString(payload)));
    }

    private void emitDraft(Draft draft) {
        if (emit != null) {
            emit.accept(draft);
        }
    }

    /** A copy with every string redacted and stripped of NUL (which Postgres's jsonb refuses, even escaped). */
    private JsonNode redacted(JsonNode node) {
        if (node.isString()) {
            return AgentEvent.NODES.stringNode(redactor.redact(stripNul(node.asString())));
        }
        if (node.isObject()) {
            ObjectNode copy = AgentEvent.NODES.objectNode();
            for (Map.Entry<String, JsonNode> field : node.properties()) {
                copy.set(stripNul(field.getKey()), redacted(field.getValue()));
            }
            return copy;
        }
        if (node.isArray()) {
            ArrayNode copy = AgentEvent.NODES.arrayNode();
            for (JsonNode element : node.values()) {
                copy.add(redacted(element));
            }
            return copy;
        }
        return node;
    }

    private static String stripNul(String text) {
        return text == null || text.indexOf('\0') < 0 ? text : text.replace("\0", "");
    }

    /** Writes a file only its owner can read (0600), replacing any file there. */
    static void writePrivate(Path file, String content) throws IOException {
        Files.deleteIfExists(file);
        try (var channel = Files.newByteChannel(
                file,
                java.util.Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))) {
            channel.write(java.nio.ByteBuffer.wrap(content.getBytes(StandardCharsets.UTF_8)));
        }
    }

    /** The secret strings of a Codex auth.json: its API key and every token. */
    static List<String> secretsOf(ObjectMapper json, String authJson) {
        List<String> found = new ArrayList<>();
        try {
            JsonNode root = json.readTree(authJson);
            String key = AgentEvent.text(root, "OPENAI_API_KEY");
            if (key != null) {
                found.add(key);
            }
            collectStrings(root.get("tokens"), found);
        } catch (JacksonException e) {
            // The API checked its shape when it was stored; nothing else to register.
        }
        return found;
    }

    private static void collectStrings(JsonNode node, List<String> into) {
        if (node == null) {
            return;
        }
        if (node.isString()) {
            into.add(node.asString());
        } else {
            node.values().forEach(child -> collectStrings(child, into));
        }
    }
}
