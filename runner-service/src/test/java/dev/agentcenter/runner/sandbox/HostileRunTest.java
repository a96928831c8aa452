package dev.agentcenter.runner.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agentcenter.runner.agent.Agents;
import dev.agentcenter.runner.execution.ShellCommand;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hostile-run suite of issue 14 for the filesystem, {@code /proc}, identity and process lines: real bubblewrap, real
 * processes, each attempt a command a hostile run would try. (Network, memory and process limits: the {@code net}
 * and {@code limits} packages.)
 */
class HostileRunTest {

    @TempDir
    Path dir;

    private Path workspaceRoot;
    private Path workspace;
    private Path agentState;
    private Sandbox sandbox;
    private Sandbox.Session session;
    private Process runnerLike;
    private final String marker = "runner-secret-" + UUID.randomUUID();

    @BeforeEach
    void openSandbox() throws Exception {
        workspaceRoot = Files.createDirectories(dir.resolve("data/workspaces"));
        UUID task = UUID.randomUUID();
        workspace = Files.createDirectories(workspaceRoot.resolve(task.toString()));
        agentState =
                Files.createDirectories(workspaceRoot.resolve(".agent-state").resolve(task.toString()));
        sandbox = Bubblewrap.required(workspaceRoot);
        session = sandbox.open(new SandboxScope(UUID.randomUUID(), workspace, agentState, null));
    }

    @AfterEach
    void close() {
        if (session != null) {
            session.close();
        }
        if (runnerLike != null) {
            runnerLike.destroyForcibly();
        }
    }

    @Test
    void procShowsOnlyTheRunsOwnProcessesAndNothingOfTheRunnersEnvironment() throws Exception {
        // A process on the host with a secret in its environment, as the runner has.
        ProcessBuilder host = new ProcessBuilder("sleep", "120");
        host.environment().put("AGENT_CENTER_TEST_SECRET", marker);
        runnerLike = host.start();

        Result result = run("cat /proc/$PPID/environ | tr '\\0' '\\n'; echo ---;"
                + " for f in /proc/[0-9]*/environ; do cat $f; done | tr '\\0' '\\n'; echo ---;"
                + " ls -d /proc/[0-9]* | wc -l; cat /proc/" + runnerLike.pid() + "/environ; echo host-pid-exit=$?");

        assertThat(result.text()).doesNotContain(marker);
        for (String variable : List.of("JAVA_HOME", "MAVEN_PROJECTBASEDIR", "DATABASE_URL")) {
            String value = System.getenv(variable);
            if (value != null) {
                assertThat(result.text()).doesNotContain(variable + "=" + value);
            }
        }
        List<String> parts = List.of(result.text().split("---"));
        // bwrap's init, the shell, and the few processes of the pipeline: never the host's hundreds.
        assertThat(Integer.parseInt(parts.get(2).strip().lines().findFirst().orElseThrow()))
                .isLessThan(10);
        assertThat(result.text()).contains("host-pid-exit=1");
    }

    @Test
    void anotherTasksWorkspaceTheDataDirectoryAndTheUsersSecretsAreNotThere() throws Exception {
        Path other =
                Files.createDirectories(workspaceRoot.resolve(UUID.randomUUID().toString()));
        Files.writeString(other.resolve("secret.txt"), marker);
        Path dataFile = Files.writeString(dir.resolve("data/runner.key"), marker);
        Path home = Path.of(System.getProperty("user.home"));

        Result result = run("cat " + other.resolve("secret.txt") + "; echo other=$?; cat " + dataFile
                + "; echo data=$?; ls " + workspaceRoot + "; echo ---; ls -a " + home + "/.ssh " + home
                + "/.config 2>&1; echo home=$?; echo HOME=$HOME");

        assertThat(result.text()).doesNotContain(marker).contains("other=1", "data=1", "HOME=/home/run");
        String listing = result.text()
                .substring(result.text().indexOf("data=1"), result.text().indexOf("---"));
        assertThat(listing)
                .contains(workspace.getFileName().toString())
                .doesNotContain(other.getFileName().toString());
        assertThat(result.text()).containsPattern("home=[12]");
    }

    @Test
    void writingOutsideTheWorkspaceIsDeniedAndTheHostFileIsUnchanged() throws Exception {
        Path hostFile = Files.writeString(dir.resolve("host.txt"), "original");
        Path outsideSibling = workspaceRoot.resolve("planted.txt");

        Result result = run("echo pwned > " + hostFile + "; echo host=$?; echo pwned > /usr/planted; echo usr=$?;"
                + " echo pwned > /etc/planted; echo etc=$?; echo pwned > " + outsideSibling + "; echo sibling=$?;"
                + " echo mine > inside.txt; echo inside=$?; echo scratch > /tmp/t; echo tmp=$?");

        assertThat(result.text()).contains("host=1", "usr=1", "etc=1", "sibling=1", "inside=0", "tmp=0");
        assertThat(Files.readString(hostFile)).isEqualTo("original");
        assertThat(Path.of("/usr/planted")).doesNotExist();
        assertThat(Path.of("/etc/planted")).doesNotExist();
        assertThat(outsideSibling).doesNotExist();
        assertThat(Files.readString(workspace.resolve("inside.txt"))).isEqualTo("mine\n");
    }

    @Test
    void commandsRunAsAnUnprivilegedUidWithoutCapabilities() throws Exception {
        Result result = run("id -u; grep CapEff /proc/self/status; touch made-here; whoami");

        String expected = Agents.runningAsRoot()
                ? "61000"
                : Files.getAttribute(Path.of("/proc/self"), "unix:uid").toString();
        assertThat(result.lines().getFirst()).isEqualTo(expected);
        assertThat(result.lines().get(1)).endsWith("0000000000000000");
        assertThat(Files.getAttribute(workspace.resolve("made-here"), "unix:uid")
                        .toString())
                .isEqualTo(expected);
        assertThat(result.exitCode()).isZero();
    }

    @Test
    void aSetsidDaemonIsGoneWhenTheCommandEnds() throws Exception {
        Result result = run("setsid sleep 4242 > /dev/null 2>&1 < /dev/null & (setsid sleep 4243 &) ; echo started");

        assertThat(result.text()).contains("started");
        await().atMost(Duration.ofSeconds(30))
                .until(() -> !hostHasProcess("sleep 4242") && !hostHasProcess("sleep 4243"));
    }

    @Test
    void cancelStopsEverythingTheCommandStartedDaemonsIncluded() throws Exception {
        Lines lines = new Lines();
        ShellCommand.Running running = session.start(
                spec("setsid sleep 4244 > /dev/null 2>&1 < /dev/null & sleep 4245 & echo up; wait", null),
                lines,
                Duration.ofSeconds(2));
        await().atMost(Duration.ofSeconds(30)).until(() -> lines.all().contains("up"));
        await().atMost(Duration.ofSeconds(30)).until(() -> hostHasProcess("sleep 4244"));

        running.cancel(Duration.ofSeconds(2));
        ShellCommand.Outcome outcome = running.await();

        assertThat(outcome.cancelled()).isTrue();
        await().atMost(Duration.ofSeconds(30))
                .until(() -> !hostHasProcess("sleep 4244") && !hostHasProcess("sleep 4245"));
    }

    @Test
    void aTimeoutStopsEverythingInTheSandbox() throws Exception {
        Lines lines = new Lines();
        ShellCommand.Outcome outcome = session.start(
                        spec("setsid sleep 4246 > /dev/null 2>&1 < /dev/null & sleep 4247", Duration.ofSeconds(2)),
                        lines,
                        Duration.ofSeconds(1))
                .await();

        assertThat(outcome.timedOut()).isTrue();
        await().atMost(Duration.ofSeconds(30))
                .until(() -> !hostHasProcess("sleep 4246") && !hostHasProcess("sleep 4247"));
    }

    @Test
    void aRunThatRequiresASandboxIsRefusedByARunnerWithout() {
        Sandbox none = new NoSandbox("RUNNER_SANDBOX is none.");
        var required = new dev.agentcenter.model.SandboxConfig(true, null, null);

        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> none.open(new SandboxScope(UUID.randomUUID(), workspace, agentState, required)))
                .isInstanceOf(SandboxUnavailableException.class)
                .hasMessageContaining("config.sandbox.required");
        assertThat(none.isolation()).isEqualTo(Sandbox.Isolation.NONE);
        assertThat(sandbox.isolation()).isEqualTo(Sandbox.Isolation.BUBBLEWRAP);
    }

    private static boolean hostHasProcess(String commandLine) {
        return ProcessHandle.allProcesses()
                .anyMatch(process -> process.isAlive()
                        && process.info()
                                .commandLine()
                                .map(line -> line.endsWith(commandLine))
                                .orElse(false));
    }

    private ShellCommand.ArgvSpec spec(String command, Duration timeout) {
        return new ShellCommand.ArgvSpec(
                List.of("bash", "-c", command),
                workspace,
                Map.of("PATH", "/usr/local/bin:/usr/bin:/bin", "LANG", "C.UTF-8"),
                null,
                timeout,
                ShellCommand.MAX_LINE_BYTES);
    }

    private Result run(String command) throws Exception {
        Lines lines = new Lines();
        // One stream, so that what a command prints on stderr stays in order with what it prints on stdout.
        ShellCommand.Outcome outcome = session.start(
                        spec("exec 2>&1; " + command, Duration.ofSeconds(60)), lines, Duration.ofSeconds(2))
                .await();
        return new Result(outcome.exitCode(), lines.all());
    }

    private record Result(int exitCode, List<String> lines) {
        String text() {
            return String.join("\n", lines);
        }
    }

    private static final class Lines implements ShellCommand.OutputSink {
        private final List<String> lines = Collections.synchronizedList(new ArrayList<>());

        @Override
        public void line(ShellCommand.Stream stream, String line) {
            lines.add(line);
        }

        List<String> all() {
            synchronized (lines) {
                return List.copyOf(lines);
            }
        }
    }
}
