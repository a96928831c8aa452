package dev.agentcenter.runner.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agentcenter.runner.sandbox.Bubblewrap;
import dev.agentcenter.runner.sandbox.limits.CgroupHost;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The hostile-run lines of issue 14 for network and limits, through whole runs: real bubblewrap, real cgroups, the
 * runner's egress proxy, real Postgres. A flood, a memory hog and a disk filler each end their run with its code while
 * the runner goes on running runs; the API (the runner's own port stands in) and Postgres are closed in every network
 * mode; the model endpoint on this host is reachable and a host off the allowlist is not.
 */
class ConfinedRunTest extends RunnerFixture {

    private static final MockWebServer MODEL = new MockWebServer();

    @Value("${spring.datasource.url}")
    String datasourceUrl;

    @BeforeAll
    static void requireSandbox() {
        Bubblewrap.required(ROOT.resolve("probe")); // skipped with the reason where bubblewrap cannot work
        CgroupHost cgroups = CgroupHost.detect();
        Assumptions.assumeTrue(cgroups.available(), () -> cgroups.problem().orElse(""));
    }

    @AfterAll
    static void stopModel() {
        MODEL.close();
    }

    @DynamicPropertySource
    static void sandboxSettings(DynamicPropertyRegistry registry) {
        try {
            MODEL.start(InetAddress.getLoopbackAddress(), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        registry.add("agent-center.sandbox.mode", () -> "bubblewrap");
        registry.add("agent-center.sandbox.limits.memory", () -> "96MB");
        registry.add("agent-center.sandbox.limits.processes", () -> "200");
        registry.add("agent-center.sandbox.limits.disk", () -> "8MB");
        registry.add("agent-center.sandbox.limits.disk-check-interval", () -> "200ms");
        registry.add("agent-center.agents.openai-base-url", () -> "http://127.0.0.1:" + MODEL.getPort() + "/v1");
    }

    private Handle sandboxed(String network, List<String> allowedHosts, String command) {
        Map<String, Object> sandbox = new LinkedHashMap<>();
        sandbox.put("network", network);
        if (!allowedHosts.isEmpty()) {
            sandbox.put("allowedHosts", allowedHosts);
        }
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("commands", List.of(command(command)));
        config.put("sandbox", sandbox);
        Handle run = queue(newTask(null), config);
        assertThat(execute(run).statusCode()).isEqualTo(202);
        return run;
    }

    private void assertFailedWith(Handle run, String code) {
        awaitStatus(run, "failed", Duration.ofSeconds(120));
        assertThat(column(run, "error_code")).isEqualTo(code);
    }

    @Test
    void twoThousandBackgroundSleepsAreStoppedAtTheProcessLimitAndTheRunnerGoesOn() {
        String marker = uniqueSleepSeconds();
        Handle flood = sandboxed(
                "full", List.of(), "for i in $(seq 2000); do sleep " + marker + " & done; wait; echo all-started");

        assertFailedWith(flood, "process_limit_exceeded");
        assertThat(column(flood, "error_message")).contains("200").contains("RUNNER_SANDBOX_PROCESSES");
        assertThat(logLines(flood)).doesNotContain("all-started");
        assertThat(processesWith(marker)).isZero();

        Handle next = sandboxed("full", List.of(), "echo still-running");
        awaitStatus(next, "completed");
        assertThat(logLines(next)).contains("still-running");
        assertThat(get("/health", null).status()).isEqualTo(200);
    }

    @Test
    void allocatingPastTheMemoryLimitIsMemoryLimitExceeded() {
        String marker = uniqueSleepSeconds();
        Handle hog = sandboxed("none", List.of(), "head -c 400M /dev/zero | tail > /dev/null; sleep " + marker);

        assertFailedWith(hog, "memory_limit_exceeded");
        assertThat(column(hog, "error_message")).contains("RUNNER_SANDBOX_MEMORY");
        assertThat(processesWith(marker)).isZero();
    }

    @Test
    void fillingTheWorkspacePastTheDiskLimitIsDiskLimitExceeded() throws IOException {
        String marker = uniqueSleepSeconds();
        Handle filler = sandboxed("none", List.of(), "head -c 32M /dev/zero > big.bin; sleep " + marker);

        assertFailedWith(filler, "disk_limit_exceeded");
        assertThat(processesWith(marker)).isZero();
        Path workspace = Path.of(column(filler, "workspace_path"));
        assertThat(Files.size(workspace.resolve("big.bin"))).isPositive(); // kept for inspection, as failed runs are
    }

    /** The sandbox is set up while the workspace is prepared: a checkout that fails must not leave it behind. */
    @Test
    void aRunWhoseCheckoutFailsLeavesNoCgroupAndNoNetworkBehind() throws Exception {
        // A run before it, so that the runner's spare network (the one the next run gets) exists already.
        awaitStatus(sandboxed("full", List.of(), "true"), "completed");
        await().atMost(Duration.ofSeconds(30))
                .until(() -> !Bubblewrap.networkHolders().isEmpty());
        int holdersBefore = Bubblewrap.networkHolders().size();
        UUID task = newTask(
                repository("acme", "gizmos-" + UUID.randomUUID().toString().substring(0, 8), null));
        db.sql("UPDATE tasks SET base_branch = 'does-not-exist' WHERE id = :id")
                .param("id", task)
                .update();
        Handle run = queue(task, Map.of("commands", List.of(command("true")), "sandbox", Map.of("network", "full")));
        assertThat(execute(run).statusCode()).isEqualTo(202);

        assertFailedWith(run, "git_failed");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            try (Stream<Path> cgroups = Files.find(
                    Path.of("/sys/fs/cgroup"),
                    8,
                    (path, attributes) -> path.getFileName().toString().equals("run-" + run.runId()))) {
                assertThat(cgroups).isEmpty();
            }
            // The run took the spare and a new spare started: as many networks as before, not one more.
            assertThat(Bubblewrap.networkHolders()).hasSize(holdersBefore);
        });
    }

    @ParameterizedTest(name = "network {0}")
    @ValueSource(strings = {"none", "allowlist", "full"})
    void theApiAndPostgresPortsAreRefusedInEveryNetworkMode(String network) {
        Matcher postgres =
                Pattern.compile("jdbc:postgresql://([^:/]+):(\\d+)/.*").matcher(datasourceUrl);
        assertThat(postgres.matches()).as(datasourceUrl).isTrue();
        StringBuilder script = new StringBuilder();
        for (String target : List.of("127.0.0.1:" + port, postgres.group(1) + ":" + postgres.group(2))) {
            String[] hostPort = target.split(":");
            script.append("(exec 3<>/dev/tcp/%s/%s) 2>/dev/null && echo OPEN %s || echo closed; "
                    .formatted(hostPort[0], hostPort[1], target));
            script.append("curl -fsS --max-time 20 --noproxy '' http://%s/health >/dev/null 2>&1 && echo OPEN %s; "
                    .formatted(target, target));
            script.append("curl -fsS --max-time 20 -p --noproxy '' https://%s/ >/dev/null 2>&1 && echo OPEN %s; "
                    .formatted(target, target));
        }
        script.append("echo checked");
        Handle run =
                sandboxed(network, network.equals("allowlist") ? List.of("127.0.0.1") : List.of(), script.toString());

        awaitStatus(run, "completed");
        assertThat(logLines(run)).contains("checked", "closed").noneMatch(line -> line.startsWith("OPEN"));
    }

    @Test
    void theModelEndpointOnThisHostIsReachableAndAHostOffTheAllowlistIsNot() throws Exception {
        MODEL.enqueue(new MockResponse.Builder().body("direct").build());
        MODEL.enqueue(new MockResponse.Builder().body("proxied").build());
        int before = MODEL.getRequestCount();
        String model = "http://127.0.0.1:" + MODEL.getPort() + "/v1/models";
        Handle run = sandboxed(
                "allowlist",
                List.of("packages.example.org"),
                "echo \"proxy $HTTPS_PROXY\"; curl -sS " + model + "; echo; curl -sS --noproxy '' " + model + "; echo;"
                        + " curl -sS --noproxy '' http://not-allowed.example.org/; echo; id -u");

        awaitStatus(run, "completed");
        assertThat(logLines(run))
                .contains("proxy http://127.0.0.1:3128", "direct", "proxied")
                .anyMatch(
                        line -> line.contains(
                                "Agent Center sandbox: not-allowed.example.org is not in this task's config.sandbox.allowedHosts"));
        assertThat(MODEL.getRequestCount() - before).isEqualTo(2);
    }
}
