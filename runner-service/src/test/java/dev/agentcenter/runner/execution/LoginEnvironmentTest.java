package dev.agentcenter.runner.execution;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agentcenter.runner.execution.LoginEnvironment.Source;
import dev.agentcenter.runner.execution.ShellCommand.Stream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The login environment, resolved by a real {@code bash -l -c} with a fake {@code HOME} whose {@code .bash_profile}
 * each test writes (the machine's {@code /etc/profile} is read too, as for any login shell). Commands then run with
 * a plain {@code bash -c}, as the runner runs them. Every profile appends a line to {@code $HOME/sourced} so the tests
 * can count how often it ran.
 */
class LoginEnvironmentTest {

    private static final List<String> BASH = List.of("bash", "-c");
    /** Long enough for a slow profile on a loaded machine; only the hanging profile's test uses a short one. */
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @TempDir
    Path home;

    @TempDir
    Path workspace;

    private final Map<String, String> runnerEnv = new HashMap<>();

    @BeforeEach
    void fakeHome() throws IOException {
        runnerEnv.put("PATH", "/usr/local/bin:/usr/bin:/bin");
        runnerEnv.put("HOME", home.toString());
        Path bin = Files.createDirectories(home.resolve("bin"));
        Path tool = bin.resolve("hello-tool");
        Files.writeString(tool, "#!/bin/sh\necho \"hello-tool from $0\"\n");
        Files.setPosixFilePermissions(tool, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    @Test
    void aCommandSeesTheProfilesVariablesAndPathButNotTheRunnersSecretsWhateverTheProfileDoes() throws Exception {
        // The runner's own environment holds secrets that are not on the allowlist; the profile tries to export them
        // (an unset name stays unset) and sets the runner's secret names itself.
        runnerEnv.put("GITHUB_TOKEN", "ghp_runner_only_0123456789");
        runnerEnv.put("RUNNER_ONLY", "leaked-from-the-runner");
        runnerEnv.put("DATABASE_URL", "postgres://runner:pw@db/agent");
        profile("""
                export GITHUB_TOKEN RUNNER_ONLY
                export DATABASE_URL="postgres://profile:pw@db/agent"
                export RUNNER_INTERNAL_TOKEN=profile-internal-token
                export CREDENTIAL_ENCRYPTION_KEY=profile-key
                export AGENT_CENTER_API_TOKEN=profile-api-token
                export VISIBLE=from-profile
                """);
        LoginEnvironment login = login(BASH);

        List<String> env = run(login, "env", Map.of());

        assertThat(env).contains("VISIBLE=from-profile");
        assertThat(env)
                .noneMatch(line -> line.startsWith("DATABASE_URL=")
                        || line.startsWith("RUNNER_INTERNAL_TOKEN=")
                        || line.startsWith("CREDENTIAL_ENCRYPTION_KEY=")
                        || line.startsWith("AGENT_CENTER_API_TOKEN=")
                        || line.startsWith("GITHUB_TOKEN=")
                        || line.startsWith("RUNNER_ONLY="));
        assertThat(String.join("\n", env))
                .doesNotContain("ghp_runner_only", "leaked-from-the-runner", "profile-internal-token", "profile-key");
        assertThat(login.current().variables())
                .as("the resolving shell's own bookkeeping is not part of the environment")
                .doesNotContainKeys("SHLVL", "PWD", "OLDPWD", "_")
                .doesNotContainKeys(ChildEnvironment.RUNNER_SECRETS.toArray(String[]::new));
    }

    @Test
    void theProfileIsSourcedOnceNotPerCommand() throws Exception {
        profile("""
                export GREETING=from-profile
                export PATH="$HOME/bin:$PATH"
                """);
        LoginEnvironment login = login(BASH);

        List<String> first = run(login, "echo $GREETING; hello-tool", Map.of());
        List<String> second = run(login, "echo $GREETING; hello-tool", Map.of());

        assertThat(first).containsExactly("from-profile", "hello-tool from " + home.resolve("bin/hello-tool"));
        assertThat(second).isEqualTo(first);
        assertThat(login.current().source()).isEqualTo(Source.LOGIN_SHELL);
        assertThat(timesSourced()).isEqualTo(1);
    }

    @Test
    void concurrentFirstCommandsShareOneResolution() throws Exception {
        profile("export GREETING=shared");
        LoginEnvironment login = login(BASH);
        CountDownLatch go = new CountDownLatch(1);
        ConcurrentLinkedQueue<String> seen = new ConcurrentLinkedQueue<>();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            threads.add(Thread.ofVirtual().start(() -> {
                try {
                    go.await();
                    seen.add(login.forCommand(Map.of()).get("GREETING"));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
        }
        go.countDown();
        for (Thread thread : threads) {
            thread.join();
        }

        assertThat(seen).containsExactly("shared", "shared", "shared", "shared");
        assertThat(timesSourced()).isEqualTo(1);
    }

    @Test
    void theTasksOwnVariablesOverrideTheProfiles() throws Exception {
        profile("""
                export GREETING=from-profile
                export PATH="$HOME/bin:$PATH"
                """);
        LoginEnvironment login = login(BASH);

        assertThat(run(login, "echo $GREETING", Map.of("GREETING", "from-task")))
                .containsExactly("from-task");
        assertThat(run(login, "echo $PATH", Map.of("PATH", "/task/bin:/usr/bin:/bin")))
                .containsExactly("/task/bin:/usr/bin:/bin");
    }

    @Test
    void aProfileThatExitsNonZeroLeavesThePlainEnvironment() throws Exception {
        profile("""
                export BROKEN=yes
                echo "profile: something is missing" >&2
                exit 3
                """);
        LoginEnvironment login = login(BASH);

        List<String> out = run(login, "echo ${BROKEN:-unset} $HOME $PATH", Map.of());

        assertThat(out).containsExactly("unset " + home + " /usr/local/bin:/usr/bin:/bin");
        LoginEnvironment.Snapshot snapshot = login.current();
        assertThat(snapshot.source()).isEqualTo(Source.FALLBACK);
        assertThat(snapshot.reason()).contains("exited with code 3", "profile: something is missing");
        assertThat(snapshot.variables()).isEqualTo(ChildEnvironment.build(runnerEnv, Map.of()));
    }

    @Test
    void aProfileThatHangsIsKilledAndLeavesThePlainEnvironment() throws Exception {
        String marker = "1000." + (100000 + new java.util.Random().nextInt(900000));
        profile("export HUNG=yes\nsleep " + marker + "\n");
        LoginEnvironment login = new LoginEnvironment(BASH, true, runnerEnv, Duration.ofSeconds(1), Clock.systemUTC());

        List<String> out = run(login, "echo ${HUNG:-unset} $HOME", Map.of());

        assertThat(out).containsExactly("unset " + home);
        assertThat(login.current().source()).isEqualTo(Source.FALLBACK);
        assertThat(login.current().reason()).contains("did not finish within 1 s");
        await().atMost(Duration.ofSeconds(30)).until(() -> processesWith(marker) == 0);
        // Not tried again for every command: only a change of a profile file or a refresh does. (Counted before and
        // after: on a loaded machine the 1 s can pass before the profile even reaches its first line.)
        long sourced = timesSourced();
        run(login, "true", Map.of());
        assertThat(timesSourced()).isEqualTo(sourced).isLessThanOrEqualTo(1);
    }

    @Test
    void aChangedProfileIsPickedUpByTheNextCommand() throws Exception {
        profile("export GREETING=one");
        LoginEnvironment login = login(BASH);
        assertThat(run(login, "echo $GREETING", Map.of())).containsExactly("one");

        // Another length, so the change shows even if the clock did not tick between the two writes.
        profile("export GREETING=second-version");

        assertThat(run(login, "echo $GREETING", Map.of())).containsExactly("second-version");
        assertThat(run(login, "echo $GREETING", Map.of())).containsExactly("second-version");
        assertThat(timesSourced()).isEqualTo(2);
    }

    @Test
    void aFileTheProfileSourcesIsNotWatchedButARefreshReadsIt() throws Exception {
        Files.writeString(home.resolve("tool.env"), "export TOOL_VERSION=1\n");
        profile(". \"$HOME/tool.env\"");
        LoginEnvironment login = login(BASH);
        assertThat(run(login, "echo $TOOL_VERSION", Map.of())).containsExactly("1");

        Files.writeString(home.resolve("tool.env"), "export TOOL_VERSION=22\n");
        assertThat(run(login, "echo $TOOL_VERSION", Map.of())).containsExactly("1");

        assertThat(login.refresh().source()).isEqualTo(Source.LOGIN_SHELL);
        assertThat(run(login, "echo $TOOL_VERSION", Map.of())).containsExactly("22");
        assertThat(timesSourced()).isEqualTo(2);
    }

    @Test
    void valuesWithNewlinesAndWhatTheProfilePrintsDoNotCorruptTheEnvironment() throws Exception {
        profile("""
                echo "Welcome! FAKE=printed-not-exported"
                echo "a warning" >&2
                export MULTI=$'line one\\nSECOND=line\\n'
                export EQUALS='a=b=c'
                export EMPTY=
                """);
        LoginEnvironment login = login(BASH);

        Map<String, String> variables = login.current().variables();

        assertThat(login.current().source()).isEqualTo(Source.LOGIN_SHELL);
        assertThat(variables)
                .containsEntry("MULTI", "line one\nSECOND=line\n")
                .containsEntry("EQUALS", "a=b=c")
                .containsEntry("EMPTY", "")
                .doesNotContainKeys("FAKE", "SECOND", "Welcome! FAKE");
        assertThat(run(login, "printf '%s' \"$MULTI\" | wc -l", Map.of())).containsExactly("2");
    }

    @Test
    void aLoginShellPerCommandStillSourcesTheProfileForEveryCommand() throws Exception {
        profile("export GREETING=from-profile");
        List<String> loginShell = List.of("bash", "-lc");
        LoginEnvironment login = login(loginShell);

        assertThat(login.appliesToCommands()).isFalse();
        assertThat(login.forCommand(Map.of())).isEqualTo(ChildEnvironment.build(runnerEnv, Map.of()));
        assertThat(run(login, loginShell, "echo $GREETING", Map.of())).containsExactly("from-profile");
        assertThat(run(login, loginShell, "echo $GREETING", Map.of())).containsExactly("from-profile");
        assertThat(timesSourced()).isEqualTo(2);
    }

    @Test
    void switchedOffNothingIsResolved() throws Exception {
        profile("export GREETING=from-profile");
        LoginEnvironment login = new LoginEnvironment(BASH, false, runnerEnv, TIMEOUT, Clock.systemUTC());
        login.start();

        assertThat(run(login, "echo ${GREETING:-unset}", Map.of("X", "y"))).containsExactly("unset");
        assertThat(login.forCommand(Map.of("X", "y"))).isEqualTo(ChildEnvironment.build(runnerEnv, Map.of("X", "y")));
        assertThat(login.forAgent(Map.of())).isEqualTo(ChildEnvironment.build(runnerEnv, Map.of()));
        assertThat(login.current().source()).isEqualTo(Source.DISABLED);
        assertThat(timesSourced()).isZero();
    }

    @Test
    void agentsGetTheResolvedPathButNotCredentialsTheProfileExports() throws Exception {
        profile("""
                export PATH="$HOME/bin:$PATH"
                export ANTHROPIC_API_KEY=sk-ant-from-the-profile
                export OPENAI_API_KEY=sk-from-the-profile
                export GREETING=from-profile
                """);
        LoginEnvironment login = login(List.of("bash", "-lc"));

        Map<String, String> agent = login.forAgent(Map.of("CLAUDE_CONFIG_DIR", "/state/claude"));

        assertThat(agent.get("PATH")).startsWith(home.resolve("bin") + ":");
        assertThat(agent)
                .containsEntry("GREETING", "from-profile")
                .containsEntry("CLAUDE_CONFIG_DIR", "/state/claude")
                .doesNotContainKeys("ANTHROPIC_API_KEY", "OPENAI_API_KEY");
        assertThat(login.forAgent(Map.of("ANTHROPIC_API_KEY", "sk-ant-chosen")))
                .containsEntry("ANTHROPIC_API_KEY", "sk-ant-chosen");
    }

    @Test
    void startResolvesInTheBackground() throws Exception {
        profile("export GREETING=early");
        LoginEnvironment login = login(BASH);

        login.start();

        await().atMost(Duration.ofSeconds(60)).until(() -> timesSourced() == 1);
        assertThat(login.forCommand(Map.of())).containsEntry("GREETING", "early");
        assertThat(timesSourced()).isEqualTo(1);
    }

    @Test
    void recognisesALoginShell() {
        assertThat(LoginEnvironment.isLoginShell(List.of("bash", "-lc"))).isTrue();
        assertThat(LoginEnvironment.isLoginShell(List.of("bash", "-l", "-c"))).isTrue();
        assertThat(LoginEnvironment.isLoginShell(List.of("bash", "--login", "-c")))
                .isTrue();
        assertThat(LoginEnvironment.isLoginShell(List.of("zsh", "-ilc"))).isTrue();
        assertThat(LoginEnvironment.isLoginShell(List.of("bash", "-c"))).isFalse();
        assertThat(LoginEnvironment.isLoginShell(List.of("sh", "-c"))).isFalse();
        assertThat(LoginEnvironment.isLoginShell(List.of("bash", "-o", "pipefail", "-c")))
                .isFalse();
        assertThat(LoginEnvironment.isLoginShell(List.of("/bin/login-shell-wrapper", "-c")))
                .isFalse();
    }

    /** Writes {@code ~/.bash_profile}: the given lines after one that counts how often the profile ran. */
    private void profile(String body) throws IOException {
        Files.writeString(home.resolve(".bash_profile"), "echo sourced >> \"$HOME/sourced\"\n" + body + "\n");
    }

    private LoginEnvironment login(List<String> shell) {
        return new LoginEnvironment(shell, true, runnerEnv, TIMEOUT, Clock.systemUTC());
    }

    private long timesSourced() throws IOException {
        Path counter = home.resolve("sourced");
        return Files.exists(counter) ? Files.readAllLines(counter).size() : 0;
    }

    private List<String> run(LoginEnvironment login, String command, Map<String, String> taskEnv) throws Exception {
        return run(login, BASH, command, taskEnv);
    }

    /** Runs {@code command} as the runner does: the shell, the command's environment, stdout lines back. */
    private List<String> run(LoginEnvironment login, List<String> shell, String command, Map<String, String> taskEnv)
            throws Exception {
        ConcurrentLinkedQueue<String> out = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<String> err = new ConcurrentLinkedQueue<>();
        ShellCommand.Outcome outcome = ShellCommand.start(
                        new ShellCommand.Spec(shell, command, workspace, login.forCommand(taskEnv), null),
                        (stream, line) -> (stream == Stream.STDOUT ? out : err).add(line))
                .await();
        assertThat(outcome.exitCode()).as("%s: %s", command, err).isZero();
        return List.copyOf(out);
    }

    private static long processesWith(String marker) {
        return ProcessHandle.allProcesses()
                .filter(p -> p.info()
                        .commandLine()
                        .map(line -> line.contains(marker))
                        .orElse(false))
                .count();
    }
}
