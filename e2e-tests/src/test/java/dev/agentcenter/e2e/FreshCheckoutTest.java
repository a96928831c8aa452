package dev.agentcenter.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * What a newcomer does, on a fresh clone of this repository with nothing extracted anywhere: {@code ./agent-center
 * up} (the README's first command, with its real 64 MiB launcher heap), killed with SIGKILL while it extracts the
 * Postgres binaries, then started again → ready; a run in flight while the API is SIGKILLed under the launcher →
 * the API comes back and the run completes with all its output; {@code ./agent-center status} shows the restart;
 * SIGTERM stops everything, Postgres included.
 *
 * <p>The clone gets the jars this build made, so the script finds nothing to build (a build of its own would take
 * minutes and test Maven, not the product).
 */
class FreshCheckoutTest {

    private static final Duration STARTUP = Duration.ofMinutes(4);

    @TempDir
    Path temporary;

    private Path clone;
    private final Map<String, String> env = new HashMap<>();
    private Process launcher;

    @AfterEach
    void stopLauncher() throws InterruptedException {
        if (launcher != null && launcher.isAlive()) {
            launcher.destroy();
            if (!launcher.waitFor(60, TimeUnit.SECONDS)) {
                launcher.destroyForcibly();
            }
        }
    }

    @Test
    void startsFromNothingSurvivesAKilledStartAndAKilledApiAndStopsCleanly() throws Exception {
        clone = freshClone();
        Path binaries = clone.resolve(".agent-center/cache/postgres");
        assertThat(binaries).doesNotExist();
        env.putAll(Map.of(
                "PATH", System.getenv("PATH"),
                "HOME", System.getProperty("user.home"),
                "JAVA_HOME", System.getProperty("java.home"),
                "API_PORT", Integer.toString(freePort()),
                "WORKER_PORT", Integer.toString(freePort()),
                "RUNNER_PORT", Integer.toString(freePort()),
                // The background AOT training would only add CPU load here; AotCacheTest covers it.
                "AGENT_CENTER_AOT", "false"));

        // 1. Killed while it extracts the Postgres binaries.
        killDuringExtraction(binaries);

        // 2. Started again: it cleans up and gets ready.
        Path output = temporary.resolve("up.log");
        launcher = up(output);
        await().atMost(STARTUP).until(() -> text(output).contains("Agent Center is ready: ") || !launcher.isAlive());
        assertThat(text(output)).contains("Agent Center is ready: http://127.0.0.1:" + env.get("API_PORT"));
        assertThat(children(binaries, ".staging-")).isEmpty();
        assertThat(children(binaries, "PG-")).hasSize(1);

        // 3. A run in flight while the API dies: the launcher brings the API back, the run completes.
        RestCalls rest = new RestCalls("http://127.0.0.1:" + env.get("API_PORT"));
        UUID run = startPrintingRun(rest);
        await().atMost(Duration.ofMinutes(1))
                .until(() ->
                        rest.get("/api/runs/" + run).get("status").asString().equals("running"));
        long apiPid = pidOf("api", status());
        ProcessHandle.of(apiPid).orElseThrow().destroyForcibly();

        await().atMost(STARTUP).until(() -> text(output).contains("[stack] api is healthy again"));
        assertThat(text(output))
                .contains("[stack] ERROR: api exited (killed by SIGKILL, exit code 137) unexpectedly: restarting it"
                        + " in 1 s (restart 1)");
        await().atMost(Duration.ofMinutes(2))
                .until(() ->
                        rest.get("/api/runs/" + run).get("status").asString().equals("completed"));
        assertThat(logs(rest, run))
                .isEqualTo(
                        IntStream.rangeClosed(1, 25).mapToObj(i -> "line-" + i).toList());
        String status = status();
        assertThat(pidOf("api", status)).isNotEqualTo(apiPid);
        assertThat(status).containsPattern("api +\\S+ +healthy +pid \\d+, restarts 1 \\(last: killed by SIGKILL");

        // 4. SIGTERM stops the services, then Postgres.
        Path postmasterPid = clone.resolve(".agent-center/data/postgres/postmaster.pid");
        long postmaster =
                Long.parseLong(Files.readAllLines(postmasterPid).getFirst().strip());
        launcher.destroy();
        assertThat(launcher.waitFor(2, TimeUnit.MINUTES)).isTrue();
        assertThat(text(output)).contains("[stack] postgres stopped", "[stack] stopped");
        // pg_ctl returns once postmaster.pid is gone, which is the postmaster's last act: it may live a moment more.
        await().atMost(Duration.ofSeconds(30))
                .until(() -> !ProcessHandle.of(postmaster)
                        .map(ProcessHandle::isAlive)
                        .orElse(false));
    }

    private void killDuringExtraction(Path binaries) throws Exception {
        for (int attempt = 1; ; attempt++) {
            Path output = temporary.resolve("killed-" + attempt + ".log");
            Process first = up(output);
            await().atMost(STARTUP)
                    .pollInterval(Duration.ofMillis(5))
                    .until(() -> !children(binaries, ".staging-").isEmpty()
                            || !children(binaries, "PG-").isEmpty()
                            || !first.isAlive());
            first.destroyForcibly(); // SIGKILL: the launcher gets no chance to clean up
            first.waitFor(30, TimeUnit.SECONDS);
            if (!children(binaries, ".staging-").isEmpty()
                    && children(binaries, "PG-").isEmpty()) {
                return; // killed half-way, as intended
            }
            // The extraction won the race (or the launcher died on its own): start over from nothing.
            assertThat(attempt)
                    .as("could not catch the extraction half-way; launcher said:%n%s", text(output))
                    .isLessThan(3);
            deleteRecursively(clone.resolve(".agent-center"));
        }
    }

    private Process up(Path output) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(
                        clone.resolve("agent-center").toString(), "up")
                .directory(clone.toFile())
                .redirectErrorStream(true)
                .redirectOutput(output.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        builder.environment().clear();
        builder.environment().putAll(env);
        return builder.start();
    }

    private String status() throws Exception {
        ProcessBuilder builder = new ProcessBuilder(
                        clone.resolve("agent-center").toString(), "status")
                .directory(clone.toFile())
                .redirectErrorStream(true);
        builder.environment().clear();
        builder.environment().putAll(env);
        Process process = builder.start();
        String text = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(1, TimeUnit.MINUTES)).isTrue();
        return text;
    }

    private static long pidOf(String service, String status) {
        Matcher matcher = Pattern.compile("(?m)^" + service + " .* pid (\\d+),").matcher(status);
        assertThat(matcher.find()).as(status).isTrue();
        return Long.parseLong(matcher.group(1));
    }

    private static UUID startPrintingRun(RestCalls rest) {
        UUID workspace = RestCalls.id(rest.post("/api/workspaces", Map.of("slug", "fresh", "name", "Fresh")));
        UUID task = RestCalls.id(rest.post(
                "/api/tasks",
                Map.of(
                        "workspaceId",
                        workspace,
                        "title",
                        "Outlives the API",
                        "prompt",
                        "print",
                        "config",
                        Map.of(
                                "commands",
                                List.of(Map.of(
                                        "command", "for i in $(seq 1 25); do echo line-$i; sleep 0.2; done"))))));
        return RestCalls.id(rest.post("/api/runs", Map.of("taskId", task)));
    }

    private static List<String> logs(RestCalls rest, UUID run) {
        JsonNode page = rest.get("/api/runs/" + run + "/events?limit=1000");
        return page.get("items")
                .valueStream()
                .filter(event -> event.get("eventType").asString().equals("run.log"))
                .map(event -> event.get("message").asString())
                .toList();
    }

    /** A clone of this repository's committed state, with this build's jars, as if just built. */
    private Path freshClone() throws Exception {
        Path repository = Path.of("..").toAbsolutePath().normalize();
        Path target = temporary.resolve("clone");
        Process git = new ProcessBuilder(
                        "git", "clone", "--quiet", "--no-hardlinks", repository.toString(), target.toString())
                .redirectErrorStream(true)
                .start();
        String said = new String(git.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(git.waitFor(2, TimeUnit.MINUTES)).isTrue();
        assertThat(git.exitValue()).as(said).isZero();
        // The working tree's script, so that what is tested is what this build would commit.
        Files.copy(
                repository.resolve("agent-center"),
                target.resolve("agent-center"),
                StandardCopyOption.REPLACE_EXISTING);
        for (String module : List.of("api-service", "worker-service", "runner-service", "local-stack")) {
            Path jar = Path.of(module, "target", module + ".jar");
            Files.createDirectories(target.resolve(jar).getParent());
            Files.copy(repository.resolve(jar), target.resolve(jar));
        }
        return target;
    }

    private static List<Path> children(Path directory, String prefix) throws IOException {
        if (!Files.isDirectory(directory)) {
            return List.of();
        }
        try (Stream<Path> children = Files.list(directory)) {
            return children.filter(path -> path.getFileName().toString().startsWith(prefix))
                    .toList();
        }
    }

    private static String text(Path file) throws IOException {
        return Files.exists(file) ? Files.readString(file) : "";
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static void deleteRecursively(Path directory) throws IOException {
        try (Stream<Path> paths = Files.walk(directory)) {
            for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
