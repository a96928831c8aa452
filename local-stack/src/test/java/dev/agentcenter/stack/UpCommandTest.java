package dev.agentcenter.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher end to end, with small fake services in place of the Spring Boot jars and {@code DATABASE_URL} set
 * (so no Postgres): startup, readiness, the environment the services get, shutdown, a service dying at startup,
 * a service dying later (restarted with backoff while the others serve), and a port already taken.
 */
class UpCommandTest {

    @TempDir
    Path root;

    private final ByteArrayOutputStream captured = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(captured, true, StandardCharsets.UTF_8);
    private final Map<String, String> env = new HashMap<>();
    private UpCommand stack;

    @BeforeEach
    void fakeServices() throws IOException {
        for (Service service : Service.values()) {
            writeFakeJar(service.jar(root));
            env.put(service.portVariable(), Integer.toString(freePort()));
        }
        env.put("PATH", System.getenv("PATH"));
        env.put("DATABASE_URL", "postgres://fake@127.0.0.1:1/agent_center");
        env.put("AGENT_CENTER_JAVA_OPTS", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xmx32m");
        env.put("AGENT_CENTER_STARTUP_TIMEOUT_SECONDS", "60");
        env.put("AGENT_CENTER_AOT", "false"); // fake jars cannot be trained; AotCacheTest covers the cache
    }

    @AfterEach
    void stopEverything() {
        if (stack != null) {
            stack.stop();
        }
    }

    private String output() {
        return captured.toString(StandardCharsets.UTF_8);
    }

    private CompletableFuture<Integer> up() {
        stack = new UpCommand(Map.copyOf(env), root, out);
        return CompletableFuture.supplyAsync(stack::run);
    }

    @Test
    void startsEveryServiceWaitsForHealthAndStopsThemAll() throws Exception {
        CompletableFuture<Integer> up = up();

        await().atMost(Duration.ofSeconds(60)).until(() -> output().contains("Agent Center is ready: "));
        assertThat(output())
                .containsPattern("Agent Center is ready: http://127\\.0\\.0\\.1:\\d+ \\(api \\d+, worker \\d+, runner"
                        + " \\d+\\) in \\d+\\.\\d s\\n")
                .contains("[api] fake api starting, parent "
                        + ProcessHandle.current().pid()
                        + ", has key true, has token false, database postgres://fake@127.0.0.1:1/agent_center")
                // each service gets only the secrets it needs (the worker opens tokens for the run-end notices)
                .contains("[worker] fake worker starting, parent "
                        + ProcessHandle.current().pid() + ", has key true, has token true")
                .contains("[runner] fake runner starting, parent "
                        + ProcessHandle.current().pid() + ", has key true, has token true");
        Path data = root.resolve(".agent-center/data");
        assertThat(Files.getPosixFilePermissions(data.resolve("credential.key")))
                .isEqualTo(Secrets.OWNER_ONLY);
        assertThat(Files.getPosixFilePermissions(data.resolve("runner.token"))).isEqualTo(Secrets.OWNER_ONLY);
        assertThat(root.resolve(".agent-center/logs/api.log")).content().contains("fake api starting");
        String token = Files.readString(data.resolve("runner.token")).strip();
        for (ServiceProcess child : stack.children()) {
            assertThat(child.process().info().commandLine().orElse("")).doesNotContain(token);
        }
        assertThat(output()).doesNotContain(token);
        String key = Files.readString(data.resolve("credential.key")).strip();
        for (ServiceProcess child : stack.children()) {
            // what any process of the same user can read: only the paths of the secret files, never their contents
            String environ = Files.readString(Path.of("/proc", Long.toString(child.pid()), "environ"));
            assertThat(environ).doesNotContain(token, key).contains("_FILE=");
        }

        stack.stop();

        assertThat(up.get()).isZero();
        assertThat(stack.children()).hasSize(3).noneMatch(ServiceProcess::isAlive);
        assertThat(output()).contains("[api] fake api stopped", "[stack] stopped");
    }

    @Test
    void aServiceThatDiesAtStartupFailsTheStackWithItsLastLines() throws Exception {
        env.put("FAKE_FAIL", "worker");

        int code = up().get();

        assertThat(code).isEqualTo(1);
        assertThat(output())
                .contains("[stack] ERROR: worker exited (exit code 1) during startup")
                .contains("    boom: worker cannot start")
                .doesNotContain("Agent Center is ready");
        stack.stop(); // what the shutdown hook does when main exits
        assertThat(stack.children()).noneMatch(ServiceProcess::isAlive);
    }

    @Test
    void aServiceThatDiesLaterIsRestartedWithBackoffWhileTheOthersKeepServing() throws Exception {
        CompletableFuture<Integer> up = up();
        await().atMost(Duration.ofSeconds(60)).until(() -> output().contains("Agent Center is ready: "));
        Map<String, Long> pids = pidsByLabel();

        crash("WORKER_PORT");

        await().atMost(Duration.ofSeconds(60)).until(() -> output().contains("worker is healthy again"));
        assertThat(output())
                .contains("[stack] ERROR: worker exited (exit code 3, e.g. out of memory"
                        + " (-XX:+ExitOnOutOfMemoryError)) unexpectedly: restarting it in 1 s (restart 1)")
                .contains("    fake worker crashing on request")
                .contains("[stack] worker is healthy again on http://127.0.0.1:" + env.get("WORKER_PORT")
                        + " (restart 1)");
        Map<String, Long> after = pidsByLabel();
        assertThat(after.get("worker")).isNotEqualTo(pids.get("worker"));
        assertThat(after.get("api")).isEqualTo(pids.get("api"));
        assertThat(after.get("runner")).isEqualTo(pids.get("runner"));
        assertThat(stack.children()).hasSize(3).allMatch(ServiceProcess::isAlive);
        assertThat(up).isNotDone();
        assertThat(root.resolve(".agent-center/logs/worker.log"))
                .content()
                .contains("fake worker crashing on request", "---- restarted by ./agent-center at ");

        ByteArrayOutputStream status = new ByteArrayOutputStream();
        int healthy =
                new StatusCommand(Map.copyOf(env), root, new PrintStream(status, true, StandardCharsets.UTF_8)).run();
        assertThat(healthy).isZero();
        assertThat(status.toString(StandardCharsets.UTF_8))
                .containsPattern("worker +http://127\\.0\\.0\\.1:\\d+ +healthy +pid " + after.get("worker")
                        + ", restarts 1 \\(last: exit code 3, .*\\)")
                .containsPattern("api +http://127\\.0\\.0\\.1:\\d+ +healthy +pid \\d+, restarts 0\\n");

        crash("WORKER_PORT"); // dies again soon after: the wait doubles

        await().atMost(Duration.ofSeconds(60)).until(() -> output().contains("(restart 2)\n"));
        assertThat(output()).contains("unexpectedly: restarting it in 2 s (restart 2)");

        stack.stop();
        assertThat(up.get(30, TimeUnit.SECONDS)).isZero();
        assertThat(stack.children()).noneMatch(ServiceProcess::isAlive);
    }

    private void crash(String portVariable) throws Exception {
        HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + env.get(portVariable) + "/crash"))
                                .build(),
                        HttpResponse.BodyHandlers.discarding());
    }

    private Map<String, Long> pidsByLabel() {
        Map<String, Long> pids = new HashMap<>();
        stack.children().forEach(child -> pids.put(child.label(), child.pid()));
        return pids;
    }

    @Test
    void aMalformedDatabaseUrlIsRefusedBeforeAnythingStarts() throws Exception {
        env.put("DATABASE_URL", "mysql://db:3306/agent_center");

        assertThat(up().get()).isEqualTo(2);
        assertThat(output()).contains("[stack] ERROR: DATABASE_URL must start with postgres://");
        assertThat(stack.children()).isEmpty();
    }

    @Test
    void aPortInUseIsReportedBeforeAnythingStarts() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            env.put("RUNNER_PORT", Integer.toString(taken.getLocalPort()));

            int code = up().get();

            assertThat(code).isEqualTo(1);
            assertThat(output())
                    .contains("Port " + taken.getLocalPort() + " on 127.0.0.1 (RUNNER_PORT) is already in use")
                    .contains("RUNNER_PORT=" + (taken.getLocalPort() + 100) + " ./agent-center up");
            assertThat(stack.children()).isEmpty();
        }
    }

    @Test
    void aSecondLauncherOnTheSameDataDirectoryIsRefused() throws Exception {
        CompletableFuture<Integer> first = up();
        await().atMost(Duration.ofSeconds(60)).until(() -> output().contains("Agent Center is ready: "));
        UpCommand running = stack;

        UpCommand second = new UpCommand(Map.copyOf(env), root, out);
        assertThat(second.run()).isEqualTo(1);
        assertThat(output()).contains("Agent Center is already running from " + root.resolve(".agent-center/data"));

        running.stop();
        assertThat(first.get()).isZero();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static void writeFakeJar(Path jar) throws IOException {
        Files.createDirectories(jar.getParent());
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, FakeService.class.getName());
        String entry = FakeService.class.getName().replace('.', '/') + ".class";
        try (OutputStream file = Files.newOutputStream(jar);
                JarOutputStream out = new JarOutputStream(file, manifest);
                InputStream classFile = FakeService.class.getResourceAsStream("FakeService.class")) {
            out.putNextEntry(new JarEntry(entry));
            classFile.transferTo(out);
            out.closeEntry();
        }
    }
}
