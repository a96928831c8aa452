package dev.agentcenter.runner.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agentcenter.model.AgentProvider;
import dev.agentcenter.runner.execution.ShellCommand;
import dev.agentcenter.runner.sandbox.limits.CgroupHost;
import dev.agentcenter.runner.sandbox.limits.ResourceLimits;
import dev.agentcenter.runner.sandbox.net.Endpoint;
import dev.agentcenter.runner.sandbox.net.NetworkMode;
import dev.agentcenter.runner.sandbox.net.NetworkProperties;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.util.unit.DataSize;

/** The network and the limits together, in the order the bubblewrap backend puts them around a process. */
class ConfinementsTest {

    @TempDir
    Path workspace;

    @Test
    void aProcessJoinsTheRunsCgroupAndNetworkAndAFloodEndsWithItsCode() throws Exception {
        CgroupHost cgroups = CgroupHost.detect();
        Assumptions.assumeTrue(cgroups.available(), () -> cgroups.problem().orElse(""));
        try (MockWebServer model = new MockWebServer()) {
            model.start(InetAddress.getLoopbackAddress(), 0);
            model.enqueue(new MockResponse.Builder().body("model says hi").build());
            Confinements confinements = new Confinements(
                    new NetworkProperties("full", List.of()),
                    new ResourceLimits(DataSize.parse("256MB"), 128, 0, DataSize.parse("1GB"), Duration.ofSeconds(10)),
                    cgroups,
                    List.of(new Endpoint("127.0.0.1", model.getPort())),
                    List.of(),
                    "bwrap",
                    "root".equals(System.getProperty("user.name")));
            UUID runId = UUID.randomUUID();
            try (RunConfinement run = confinements.open(
                    runId, NetworkMode.ALLOWLIST, List.of(), AgentProvider.CODEX, List.of(workspace))) {
                String first = run(run, """
                        cat /proc/self/cgroup | grep -c run-%s
                        curl -sS http://127.0.0.1:%d/v1/responses; echo
                        curl -sS --noproxy '' http://example.org/; echo
                        """.formatted(runId, model.getPort()));
                assertThat(first)
                        .contains("model says hi")
                        .contains(
                                "Agent Center sandbox: example.org is not in this task's config.sandbox.allowedHosts");
                assertThat(first.lines().findFirst().orElseThrow()).isNotEqualTo("0");
                assertThat(run.breach()).isEmpty();

                run(run, "for i in $(seq 2000); do sleep 4246 & done; wait");

                assertThat(run.breach()).hasValueSatisfying(breach -> {
                    assertThat(breach.code()).isEqualTo("process_limit_exceeded");
                    assertThat(breach.message()).contains("128").contains("RUNNER_SANDBOX_PROCESSES");
                });
            }
        }
    }

    /**
     * Each command of a confined session becomes a process that was started, joined the run's cgroup and entered its
     * network before the command was given (a standby process); none is left once the session closes.
     */
    @Test
    void aSessionsCommandsStartFromProcessesAlreadyInTheRunsCgroupAndNetwork() throws Exception {
        CgroupHost cgroups = CgroupHost.detect();
        Assumptions.assumeTrue(cgroups.available(), () -> cgroups.problem().orElse(""));
        boolean root = "root".equals(System.getProperty("user.name"));
        Confinements confinements = new Confinements(
                new NetworkProperties("full", List.of()),
                new ResourceLimits(DataSize.parse("256MB"), 128, 0, DataSize.parse("1GB"), Duration.ofSeconds(10)),
                cgroups,
                List.of(),
                List.of(),
                "bwrap",
                root);
        Sandbox sandbox = SandboxConfiguration.choose(
                new SandboxProperties(SandboxProperties.Mode.BUBBLEWRAP, "bwrap", 61000, List.of()),
                workspace,
                root,
                confinements);
        Path taskWorkspace =
                Files.createDirectories(workspace.resolve(UUID.randomUUID().toString()));
        SandboxScope scope = new SandboxScope(
                UUID.randomUUID(),
                taskWorkspace,
                workspace.resolve(".agent-state").resolve("t"),
                null);
        List<Long> standbys;
        try (Sandbox.Session session = sandbox.open(scope)) {
            for (int command = 0; command < 3; command++) {
                // The standby process: bash waiting for its command, already in the run's cgroup.
                long waiting = await().atMost(Duration.ofSeconds(30))
                        .until(() -> standbysIn("run-" + scope.runId()), found -> found.size() == 1)
                        .getFirst();
                ShellCommandLines lines = new ShellCommandLines();
                ShellCommand.Running running = session.start(
                        new ShellCommand.ArgvSpec(
                                List.of("bash", "-c", "echo $HTTP_PROXY; sleep 1"),
                                taskWorkspace,
                                Map.of("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin")),
                                null,
                                Duration.ofSeconds(60),
                                ShellCommand.MAX_LINE_BYTES),
                        lines,
                        Duration.ofSeconds(1));

                assertThat(running.pid())
                        .as("the command became the waiting process")
                        .isEqualTo(waiting);
                // In the run's cgroup (inside, a cgroup namespace shows it as its root).
                assertThat(Files.readString(Path.of("/proc", Long.toString(running.pid()), "cgroup")))
                        .contains("run-" + scope.runId());
                assertThat(running.await().exitCode()).isZero();
                assertThat(lines.text()).isEqualTo("http://127.0.0.1:3128\n");
            }
            standbys = await().atMost(Duration.ofSeconds(30))
                    .until(() -> standbysIn("run-" + scope.runId()), found -> !found.isEmpty());
        }
        await().atMost(Duration.ofSeconds(30))
                .until(() ->
                        standbys.stream().noneMatch(pid -> ProcessHandle.of(pid).isPresent()));
    }

    /** The second run's network was started when the first run ended: the run does not wait for bwrap. */
    @Test
    void aRunGetsTheNetworkStartedWhenAnEarlierRunEnded() throws Exception {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "shared namespaces need root");
        try (Confinements confinements = new Confinements(
                new NetworkProperties("full", List.of()),
                new ResourceLimits(DataSize.parse("256MB"), 128, 0, DataSize.parse("1GB"), Duration.ofSeconds(10)),
                CgroupHost.detect(List.of(), List.of()), // no limits: only the network is under test
                List.of(),
                List.of(),
                "bwrap",
                true)) {
            List<String> firstPrefix;
            try (RunConfinement first =
                    confinements.open(UUID.randomUUID(), null, List.of(), null, List.of(workspace))) {
                first.awaitNetwork();
                firstPrefix = first.networkPrefix();
            }
            // The spare starts as the first run's network closes: the processes holding network namespaces then.
            long firstHolder = holderOf(firstPrefix);
            List<Long> before = await().atMost(Duration.ofSeconds(30))
                    .until(Bubblewrap::networkHolders, holders -> !holders.isEmpty() && !holders.contains(firstHolder));
            try (RunConfinement second = confinements.open(
                    UUID.randomUUID(), NetworkMode.ALLOWLIST, List.of("example.org"), null, List.of(workspace))) {
                second.awaitNetwork();
                assertThat(before)
                        .as("its namespace was held before it was asked for")
                        .contains(holderOf(second.networkPrefix()));
                assertThat(second.environment()).containsEntry("HTTPS_PROXY", "http://127.0.0.1:3128");
            }
        }
    }

    /** The process whose network namespace {@code nsenter --net=/proc/<pid>/ns/net} enters. */
    private static long holderOf(List<String> networkPrefix) {
        return Long.parseLong(networkPrefix.stream()
                .filter(argument -> argument.startsWith("--net=/proc/"))
                .findFirst()
                .orElseThrow()
                .split("/")[2]);
    }

    /** The standby processes (bash waiting for a command) in the cgroup named {@code cgroup}. */
    private static List<Long> standbysIn(String cgroup) {
        return ProcessHandle.allProcesses()
                .filter(handle -> handle.info()
                        .arguments()
                        .map(List::of)
                        .orElse(List.of())
                        .contains("agent-center-standby"))
                .map(ProcessHandle::pid)
                .filter(pid -> {
                    try {
                        return Files.readString(Path.of("/proc", Long.toString(pid), "cgroup"))
                                .contains(cgroup);
                    } catch (java.io.IOException gone) {
                        return false;
                    }
                })
                .toList();
    }

    /** Output of one command, joined. */
    private static final class ShellCommandLines implements ShellCommand.OutputSink {
        private final StringBuffer text = new StringBuffer();

        @Override
        public void line(ShellCommand.Stream stream, String line) {
            text.append(line).append('\n');
        }

        String text() {
            return text.toString();
        }
    }

    @Test
    void postgresOfTheDatasourceUrlIsControlPlane() {
        assertThat(ConfinementConfiguration.postgres("jdbc:postgresql://db.internal:6543/agent_center?ssl=true"))
                .containsExactly(new Endpoint("db.internal", 6543));
        assertThat(ConfinementConfiguration.postgres("jdbc:postgresql://a,b:5433/x"))
                .containsExactly(new Endpoint("a", 5432), new Endpoint("b", 5433));
        assertThat(ConfinementConfiguration.postgres("")).isEmpty();
    }

    private static String run(RunConfinement run, String script) throws Exception {
        List<String> argv = new ArrayList<>(run.beforeBwrap());
        argv.addAll(MinimalBwrap.argv());
        argv.addAll(run.bwrapArguments());
        argv.add("--");
        argv.addAll(run.beforeCommand());
        argv.addAll(List.of("bash", "-c", script));
        ProcessBuilder builder = new ProcessBuilder(argv).redirectErrorStream(true);
        builder.environment().putAll(run.environment());
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
        return output;
    }
}
