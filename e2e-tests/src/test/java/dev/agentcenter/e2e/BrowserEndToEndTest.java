package dev.agentcenter.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The web UI in a real browser: starts the stack from the built jars (the api jar carries the UI), then runs the
 * {@code node --test} suite in {@code e2e-tests/browser/} (playwright-core driving Debian's Chromium) against it,
 * with its output streamed into this test's output and {@code target/browser-tests.log}. Screenshots land in
 * {@code target/screenshots/} (and {@code docs/screenshots/} with {@code UPDATE_SCREENSHOTS=true}).
 *
 * <p>The runner's Claude Code is the fake CLI of {@link AgentDeliveryEndToEndTest} (it replays a recorded
 * stream-json session and writes {@code hello.txt}), so the suite can watch an agent's text stream in and its tool
 * calls appear; {@code FAKE_CLAUDE=true} tells the suite that it may create {@code claude} tasks.
 *
 * <p>Without Chromium, node or npm the test is skipped on a developer's machine, and fails in CI ({@code CI=true}),
 * where {@code .ci/run} installs them.
 */
class BrowserEndToEndTest {

    static final Path BROWSER_TESTS = Path.of("browser").toAbsolutePath();
    private static final Path LOG = Path.of("target", "browser-tests.log").toAbsolutePath();
    private static final Duration NPM_CI_TIMEOUT = Duration.ofMinutes(5);
    private static final Duration SUITE_TIMEOUT = Duration.ofMinutes(6);
    private static final String INSTALL_STAMP = "node_modules/.agent-center-installed-lock.json";
    private static final String FAKE_ANTHROPIC_KEY = "sk-ant-browser-fake-key";

    @Test
    void theWebUiWorksInChromium() throws Exception {
        Path chromium = chromium();
        Path node = tool("node", "apt-get install -y nodejs npm");
        Path npm = tool("npm", "apt-get install -y nodejs npm");
        npmCiIfNeeded(npm);

        Path fakes = fakeClaude();
        try (Stack stack = Stack.start(Map.of(
                        "RUNNER_CLAUDE_PATH",
                        fakes.resolve("claude").toString(),
                        // the fake never calls Anthropic; the runner only needs some key to hand it
                        "ANTHROPIC_API_KEY",
                        FAKE_ANTHROPIC_KEY,
                        // These tests drive the UI: their fake agent and the gates that hold a run "running" are
                        // files outside any workspace, which a sandbox hides. Isolation has its own hostile-run tests
                        // in runner-service (HostileRunTest, SandboxedRunTest, ConfinedRunTest).
                        "RUNNER_SANDBOX",
                        "none"));
                PrintStream log = new PrintStream(Files.newOutputStream(LOG), true, StandardCharsets.UTF_8)) {
            Map<String, String> env = Map.of(
                    "AGENT_CENTER_URL",
                    stack.apiUrl(),
                    "CHROMIUM_PATH",
                    chromium.toString(),
                    "FAKE_CLAUDE",
                    "true",
                    "NO_COLOR",
                    "1",
                    "FORCE_COLOR",
                    "0");
            Result result = run(
                    List.of(node.toString(), "--test", "--test-reporter=spec", "--test-concurrency=1", "tests/"),
                    env,
                    SUITE_TIMEOUT,
                    log);
            if (result.exitCode != 0) {
                for (Stack.Service service : List.of(stack.api, stack.worker, stack.runner)) {
                    System.out.println("----- " + service.name + " log -----\n" + service.tail());
                }
            }
            assertThat(result.exitCode)
                    .as(
                            "exit code of the browser tests (full output: %s, screenshots of failures: %s); last"
                                    + " lines:%n%s",
                            LOG, Path.of("target", "screenshots").toAbsolutePath(), result.tail)
                    .isZero();
        }
    }

    /**
     * A temporary directory with the fake {@code claude} (executable) and the recorded session it replays, taken from
     * where {@link AgentDeliveryEndToEndTest} and the runner's own agent tests keep them.
     */
    private static Path fakeClaude() throws IOException {
        Path fakes = Files.createTempDirectory("browser-fake-claude");
        Path claude = fakes.resolve("claude");
        try (InputStream script = BrowserEndToEndTest.class.getResourceAsStream("/agent-delivery/claude")) {
            Files.copy(Objects.requireNonNull(script, "/agent-delivery/claude on the test classpath"), claude);
        }
        Files.setPosixFilePermissions(claude, PosixFilePermissions.fromString("rwx------"));
        Files.copy(
                Path.of("..", "runner-service", "src", "test", "resources", "fake-agents", "recordings")
                        .resolve("claude-basic.jsonl"),
                fakes.resolve("claude-basic.jsonl"));
        return fakes;
    }

    /** {@code CHROMIUM_PATH}, else Debian's {@code /usr/bin/chromium}. */
    static Path chromium() {
        String configured = System.getenv("CHROMIUM_PATH");
        Path path = Path.of(configured == null || configured.isBlank() ? "/usr/bin/chromium" : configured);
        if (!Files.isExecutable(path)) {
            missing("No Chromium at " + path + " for the browser tests: install chromium: apt-get install -y chromium"
                    + " (or set CHROMIUM_PATH)");
        }
        return path;
    }

    static Path tool(String name, String install) {
        Optional<Path> found = Stream.of(
                        Optional.ofNullable(System.getenv("PATH")).orElse("").split(java.io.File.pathSeparator))
                .filter(dir -> !dir.isEmpty())
                .map(dir -> Path.of(dir, name))
                .filter(Files::isExecutable)
                .findFirst();
        if (found.isEmpty()) {
            missing("No " + name + " on PATH for the browser tests: " + install);
        }
        return found.orElseThrow();
    }

    /** Skips on a developer's machine; in CI a missing tool is a failure, not a silently skipped suite. */
    private static void missing(String message) {
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            fail(message + " (CI=true: .ci/run should have installed it)");
        }
        Assumptions.abort(message);
    }

    /** {@code npm ci} unless node_modules was installed from this very lock file (a copy of it is the stamp). */
    static void npmCiIfNeeded(Path npm) throws IOException, InterruptedException {
        Path lock = BROWSER_TESTS.resolve("package-lock.json");
        Path stamp = BROWSER_TESTS.resolve(INSTALL_STAMP);
        if (Files.isRegularFile(stamp) && Files.mismatch(lock, stamp) == -1) {
            return;
        }
        Result result = run(
                List.of(npm.toString(), "ci", "--no-audit", "--no-fund"),
                Map.of("NO_UPDATE_NOTIFIER", "1"),
                NPM_CI_TIMEOUT,
                System.out);
        assertThat(result.exitCode)
                .as("npm ci in %s:%n%s", BROWSER_TESTS, result.tail)
                .isZero();
        Files.copy(lock, stamp, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    record Result(int exitCode, String tail) {}

    /**
     * Runs a command in {@code e2e-tests/browser/}, echoing its output line by line (to this test's output and to
     * {@code copy}); past the timeout the command and its children (Chromium) are killed.
     */
    static Result run(List<String> command, Map<String, String> env, Duration timeout, PrintStream copy)
            throws IOException, InterruptedException {
        ProcessBuilder builder =
                new ProcessBuilder(command).directory(BROWSER_TESTS.toFile()).redirectErrorStream(true);
        builder.environment().putAll(env);
        Process process = builder.start();
        Deque<String> tail = new ArrayDeque<>();
        Thread pump = Thread.ofVirtual().start(() -> {
            try (BufferedReader reader =
                    new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                    System.out.println("[browser] " + line);
                    if (copy != System.out) {
                        copy.println(line);
                    }
                    synchronized (tail) {
                        tail.addLast(line);
                        if (tail.size() > 80) {
                            tail.removeFirst();
                        }
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            process.waitFor();
            pump.join(Duration.ofSeconds(5));
            synchronized (tail) {
                fail("%s did not finish in %s; last lines:%n%s", command, timeout, String.join("\n", tail));
            }
        }
        pump.join(Duration.ofSeconds(10));
        synchronized (tail) {
            return new Result(process.exitValue(), String.join("\n", tail));
        }
    }
}
