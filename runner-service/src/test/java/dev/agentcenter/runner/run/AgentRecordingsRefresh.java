package dev.agentcenter.runner.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Records the fake agents' streams ({@code src/test/resources/fake-agents/recordings/}) from the real CLIs, talking to
 * {@link FakeModelServer} with the command lines and environment the runner uses. Off unless asked for:
 *
 * <pre>
 * ./mvnw -o -pl runner-service -am verify -Dtest=AgentRecordingsRefresh -Dsurefire.failIfNoSpecifiedTests=false \
 *     -Dagent.recordings.refresh=true
 * </pre>
 *
 * <p>Ids and paths that change from run to run are replaced by fixed ones: the thread/session id by the placeholder
 * the fake CLIs substitute ({@code 0199a213-…} for Codex, {@code 9b0a3f7e-…} for Claude Code), the workspace by
 * {@code /workspace}, the state directories by {@code /agent-state/…}, the fake server's address by {@code
 * http://127.0.0.1:4000}, the directory outside the workspace that a refused command wrote to by {@code /outside}. Then run the tests: the recorded-fixture tests (AgentRunTest, AgentStreamsTest) read them.
 */
@EnabledIfSystemProperty(named = "agent.recordings.refresh", matches = "true")
class AgentRecordingsRefresh {

    static final Path CLIS = Path.of("target/agent-clis/node_modules/.bin").toAbsolutePath();
    static final Path RECORDINGS =
            Path.of("src/test/resources/fake-agents/recordings").toAbsolutePath();
    static final String CODEX_THREAD = "0199a213-81c0-7800-8aa1-bbab2a035a53";
    static final String CLAUDE_SESSION = "9b0a3f7e-5c1d-4e2b-8f6a-2d4c1e7b9a10";
    static final String OPENAI_KEY = "sk-proj-recordingKEY0123456789abcdefghijkl";
    static final String ANTHROPIC_KEY = "sk-ant-api03-recordingKEY0123456789abcdefgh";
    static final FakeModelServer MODEL = FakeModelServer.start();

    @BeforeAll
    static void clis() {
        RealClis.assumeInstalled(CLIS);
        MODEL.acceptKey(OPENAI_KEY);
        MODEL.acceptKey(ANTHROPIC_KEY);
    }

    @AfterAll
    static void stop() {
        MODEL.close();
    }

    @Test
    void codex(@TempDir Path dir) throws Exception {
        record("codex-basic.jsonl", codex(dir.resolve("basic"), "Add a greeting scenario=basic", OPENAI_KEY));
        record("codex-turn-failed.jsonl", codex(dir.resolve("bad-key"), "Hi scenario=edit", "sk-proj-wrongKEY0123"));
        record("codex-reconnect.jsonl", codex(dir.resolve("reconnect"), "Hi scenario=reconnect", OPENAI_KEY));
        // Codex hides most sandbox refusals: its session file is what the runner reads for them (CodexRollout).
        for (int attempt = 0; attempt < 10; attempt++) {
            Path run = dir.resolve("denied-" + attempt);
            Path outside = Files.createDirectories(
                            Path.of("target/sandbox-probe").toAbsolutePath())
                    .resolve("recording-" + attempt + ".txt");
            Recorded denied = codex(run, "Write outside scenario=denied target=" + outside, OPENAI_KEY);
            if (!denied.stdout().contains("\"command_execution\"")) {
                record("codex-denied.jsonl", denied);
                Path rollout;
                try (Stream<Path> files = Files.walk(run.resolve("codex-home/sessions"))) {
                    rollout = files.filter(f -> f.getFileName().toString().startsWith("rollout-"))
                            .findFirst()
                            .orElseThrow();
                }
                List<String> kept = new ArrayList<>();
                for (String line : Files.readAllLines(rollout)) {
                    JsonNode entry = FakeModelServer.JSON.readTree(line);
                    String type = entry.path("type").asString("") + "/"
                            + entry.path("payload").path("type").asString("");
                    if (type.startsWith("response_item/function_call")
                            || type.startsWith("event_msg/item_")
                            || type.equals("event_msg/task_complete")) {
                        kept.add(line);
                    }
                }
                write("codex-denied-rollout.jsonl", normalize(String.join("\n", kept) + "\n", denied.replacements()));
                return;
            }
        }
        throw new AssertionError("Codex showed the refused command in ten attempts: no hidden denial to record");
    }

    @Test
    void claude(@TempDir Path dir) throws Exception {
        record("claude-basic.jsonl", claude(dir.resolve("basic"), "Add a greeting scenario=edit", ANTHROPIC_KEY, null));
        // One retry instead of ten, so the recording ends after seconds, with the synthetic message and the result.
        record(
                "claude-error-result.jsonl",
                claude(dir.resolve("bad-key"), "Hi scenario=edit", "sk-ant-api03-wrongKEY", "1"));
        record(
                "claude-permission-denied.jsonl",
                claude(dir.resolve("denied"), "Fetch it scenario=denied", ANTHROPIC_KEY, null));
        record("claude-retry.jsonl", claude(dir.resolve("retry"), "Hi scenario=retry", ANTHROPIC_KEY, null));
    }

    /** What a CLI printed, and the run-specific strings to replace. */
    record Recorded(String stdout, Map<String, String> replacements) {}

    private static Recorded codex(Path dir, String prompt, String key) throws Exception {
        Path workspace = Files.createDirectories(dir.resolve("workspace"));
        Path home = Files.createDirectories(dir.resolve("codex-home"));
        List<String> argv = new ArrayList<>(List.of(
                CLIS.resolve("codex").toString(),
                "-c",
                "features.plugins=false",
                "-c",
                "features.remote_plugin=false",
                "-c",
                "analytics.enabled=false",
                "-c",
                "model_provider=agentcenter",
                "-c",
                "model_providers.agentcenter={name=\"Agent Center gateway\", base_url=\"" + MODEL.openaiBaseUrl()
                        + "\", env_key=\"OPENAI_API_KEY\", wire_api=\"responses\", supports_websockets=false}",
                "exec",
                "--json",
                "--skip-git-repo-check",
                "--model=gpt-test-model",
                "--sandbox",
                "workspace-write",
                "-"));
        Map<String, String> env = baseEnvironment(dir);
        env.put("CODEX_HOME", home.toString());
        env.put("OPENAI_API_KEY", key);
        env.put("CODEX_API_KEY", key);
        String stdout = run(argv, env, workspace, prompt + " " + dir.getFileName());
        Map<String, String> replacements = new LinkedHashMap<>();
        Matcher thread = Pattern.compile("\"thread_id\":\"([^\"]+)\"").matcher(stdout);
        if (thread.find()) {
            replacements.put(thread.group(1), CODEX_THREAD);
        }
        replacements.put(workspace.toRealPath().toString(), "/workspace");
        replacements.put(home.toString(), "/agent-state/codex");
        replacements.put(dir.toString(), "/recording");
        return new Recorded(stdout, replacements);
    }

    private static Recorded claude(Path dir, String prompt, String key, String maxRetries) throws Exception {
        Path workspace = Files.createDirectories(dir.resolve("workspace"));
        Path config = Files.createDirectories(dir.resolve("claude-config"));
        List<String> argv = List.of(
                CLIS.resolve("claude").toString(),
                "-p",
                "--output-format",
                "stream-json",
                "--verbose",
                "--include-partial-messages",
                "--model=claude-sonnet-4-5",
                "--permission-mode",
                "acceptEdits");
        Map<String, String> env = baseEnvironment(dir);
        env.put("CLAUDE_CONFIG_DIR", config.toString());
        env.put("ANTHROPIC_API_KEY", key);
        env.put("ANTHROPIC_BASE_URL", MODEL.anthropicBaseUrl());
        env.putAll(Map.of(
                "DISABLE_TELEMETRY", "1",
                "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1",
                "DISABLE_AUTOUPDATER", "1",
                "DISABLE_ERROR_REPORTING", "1"));
        if (maxRetries != null) {
            env.put("CLAUDE_CODE_MAX_RETRIES", maxRetries);
        }
        String stdout = run(argv, env, workspace, prompt + " " + dir.getFileName());
        Map<String, String> replacements = new LinkedHashMap<>();
        Matcher session = Pattern.compile("\"session_id\":\"([^\"]+)\"").matcher(stdout);
        if (session.find()) {
            replacements.put(session.group(1), CLAUDE_SESSION);
        }
        replacements.put(workspace.toRealPath().toString(), "/workspace");
        // Claude Code names a project's directory after its path, slashes as dashes.
        replacements.put(workspace.toRealPath().toString().replace('/', '-'), "-workspace");
        replacements.put(config.toString(), "/agent-state/claude");
        replacements.put(dir.toString(), "/recording");
        return new Recorded(stdout, replacements);
    }

    /** What the runner gives an agent besides its own variables: PATH (node for codex's launcher), HOME, TERM. */
    private static Map<String, String> baseEnvironment(Path dir) throws IOException {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", System.getenv("PATH"));
        // A home of its own: no profile of the machine's user leaks into the recording.
        env.put("HOME", Files.createDirectories(dir.resolve("home")).toString());
        env.put("TERM", "dumb");
        env.put("LANG", "C.UTF-8");
        return env;
    }

    private static String run(List<String> argv, Map<String, String> env, Path cwd, String prompt) throws Exception {
        Path stdin = cwd.resolveSibling("prompt.txt");
        Files.writeString(stdin, prompt);
        ProcessBuilder builder = new ProcessBuilder(argv)
                .directory(cwd.toFile())
                .redirectInput(stdin.toFile())
                .redirectError(cwd.resolveSibling("stderr.txt").toFile());
        builder.environment().clear();
        builder.environment().putAll(env);
        Process process = builder.start();
        byte[] out = process.getInputStream().readAllBytes();
        assertThat(process.waitFor(10, TimeUnit.MINUTES))
                .as("%s ended", argv.getFirst())
                .isTrue();
        return new String(out, StandardCharsets.UTF_8);
    }

    private static void record(String name, Recorded recorded) throws IOException {
        assertThat(recorded.stdout()).as(name).isNotBlank();
        write(name, normalize(recorded.stdout(), recorded.replacements()));
    }

    private static String normalize(String text, Map<String, String> replacements) {
        String result = text;
        for (Map.Entry<String, String> replacement : replacements.entrySet()) {
            result = result.replace(replacement.getKey(), replacement.getValue());
        }
        return result.replace(MODEL.anthropicBaseUrl(), "http://127.0.0.1:4000")
                .replace(Path.of("target/sandbox-probe").toAbsolutePath().toString(), "/outside");
    }

    private static void write(String name, String content) throws IOException {
        Files.writeString(RECORDINGS.resolve(name), content.endsWith("\n") ? content : content + "\n");
    }
}
