package dev.agentcenter.runner.execution;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.agentcenter.runner.execution.ShellCommand.Outcome;
import dev.agentcenter.runner.execution.ShellCommand.Stream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A command handed to a process started before it: it must behave exactly like one started the usual way. */
class StandbyProcessTest {

    private static final String PATH = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");

    @TempDir
    Path dir;

    private final ShellCommandTest.Lines lines = new ShellCommandTest.Lines();

    @Test
    void argumentsEnvironmentDirectoryAndInputArriveExactlyAndTheExitCodeComesBack() throws Exception {
        Path cwd = Files.createDirectories(dir.resolve("work dir"));
        Path input = Files.writeString(dir.resolve("in"), "from stdin\n");
        String awkward = "spaces  and\nnewline 'quotes' \"double\" $HOME `tick` \\ ;|&";
        try (StandbyProcess standby = StandbyProcess.start(List.of(), Files.createDirectories(dir.resolve("req")))) {
            Outcome outcome = standby.run(
                            spec(
                                    List.of(
                                            "bash",
                                            "-c",
                                            "pwd; printf '%s|' \"$@\"; echo; env | sort; cat; exit 7",
                                            "name",
                                            awkward,
                                            "",
                                            "-x"),
                                    cwd,
                                    Map.of("PATH", PATH, "SECRET_VALUE", "line1\nline2", "EMPTY", ""),
                                    input),
                            lines,
                            Duration.ofSeconds(1))
                    .await();

            assertThat(outcome.exitCode()).isEqualTo(7);
        }
        List<String> out = lines.of(Stream.STDOUT);
        assertThat(out.getFirst()).isEqualTo(cwd.toRealPath().toString());
        assertThat(String.join("\n", out)).contains(awkward + "||-x|");
        // Exactly the spec's environment: bash adds PWD, SHLVL and _ itself, nothing comes from the standby's.
        assertThat(out)
                .filteredOn(line -> line.matches("[A-Z_]+=.*"))
                .extracting(line -> line.substring(0, line.indexOf('=')))
                .containsExactlyInAnyOrder("EMPTY", "PATH", "PWD", "SECRET_VALUE", "SHLVL", "_");
        assertThat(out).contains("SECRET_VALUE=line1", "line2", "from stdin");
    }

    @Test
    void thePrefixRunsFirstAndItsProcessIsTheCommandsGroupLeader() throws Exception {
        Path marker = dir.resolve("prefix-ran");
        List<String> prefix = List.of("/bin/sh", "-c", "echo $$ > '" + marker + "'; exec \"$@\"", "prefix");
        try (StandbyProcess standby = StandbyProcess.start(prefix, Files.createDirectories(dir.resolve("req")))) {
            await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(marker) && Files.size(marker) > 0);
            assertThat(standby.ready()).isTrue();
            ShellCommand.Running running = standby.run(
                    spec(List.of("sh", "-c", "echo $$; ps -o pgid= -p $$"), dir, Map.of("PATH", PATH), null),
                    lines,
                    Duration.ofSeconds(1));

            assertThat(running.await().exitCode()).isZero();
            String pid = Files.readString(marker).strip();
            assertThat(pid).isEqualTo(Long.toString(running.pid()));
            assertThat(lines.of(Stream.STDOUT)).extracting(String::strip).containsExactly(pid, pid);
            assertThat(standby.ready()).isFalse();
        }
    }

    @Test
    void aFailedPrefixIsTheCommandsFailureWithItsMessage() throws Exception {
        List<String> prefix = List.of("/bin/sh", "-c", "echo 'could not join' >&2; exit 125", "prefix");
        try (StandbyProcess standby = StandbyProcess.start(prefix, Files.createDirectories(dir.resolve("req")))) {
            await().atMost(Duration.ofSeconds(30)).until(() -> !standby.ready());
            Outcome outcome = standby.run(
                            spec(List.of("true"), dir, Map.of("PATH", PATH), null), lines, Duration.ofSeconds(1))
                    .await();

            assertThat(outcome.exitCode()).isEqualTo(125);
            assertThat(lines.of(Stream.STDERR)).containsExactly("could not join");
        }
    }

    @Test
    void cancelStopsTheCommandAndTimeoutsCount() throws Exception {
        Path requests = Files.createDirectories(dir.resolve("req"));
        try (StandbyProcess first = StandbyProcess.start(List.of(), requests);
                StandbyProcess second = StandbyProcess.start(List.of(), requests)) {
            ShellCommand.Running cancelled = first.run(
                    spec(List.of("sleep", "300"), dir, Map.of("PATH", PATH), null), lines, Duration.ofSeconds(1));
            cancelled.cancel(Duration.ofSeconds(1));
            assertThat(cancelled.await().cancelled()).isTrue();
            assertThat(ProcessHandle.of(cancelled.pid())).isEmpty();

            ShellCommand.ArgvSpec slow = new ShellCommand.ArgvSpec(
                    List.of("sleep", "300"),
                    dir,
                    Map.of("PATH", PATH),
                    null,
                    Duration.ofMillis(300),
                    ShellCommand.MAX_LINE_BYTES);
            Outcome timedOut = second.run(slow, lines, Duration.ofSeconds(1)).await();
            assertThat(timedOut.timedOut()).isTrue();
        }
        // Each request file (it holds the command's environment) is gone once its command has ended.
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            try (var files = Files.list(requests)) {
                assertThat(files).isEmpty();
            }
        });
    }

    @Test
    void closingAnUnusedStandbyEndsItAndItTakesOneCommandOnly() throws Exception {
        StandbyProcess unused = StandbyProcess.start(List.of(), Files.createDirectories(dir.resolve("req")));
        assertThat(unused.ready()).isTrue();
        unused.close();
        assertThat(unused.ready()).isFalse();
        assertThatThrownBy(() -> unused.run(
                        spec(List.of("true"), dir, Map.of("PATH", PATH), null), lines, Duration.ofSeconds(1)))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aNulByteIsRefusedBeforeAnythingRuns() throws Exception {
        Path requests = Files.createDirectories(dir.resolve("req"));
        try (StandbyProcess standby = StandbyProcess.start(List.of(), requests)) {
            assertThatThrownBy(() -> standby.run(
                            spec(List.of("echo", "a\0b"), dir, Map.of("PATH", PATH), null),
                            lines,
                            Duration.ofSeconds(1)))
                    .isInstanceOf(IllegalArgumentException.class);
            // Nothing was written, and the standby still takes a proper command.
            try (var files = Files.list(requests)) {
                assertThat(files).isEmpty();
            }
            assertThat(standby.ready()).isTrue();
            assertThat(standby.run(spec(List.of("true"), dir, Map.of("PATH", PATH), null), lines, Duration.ofSeconds(1))
                            .await()
                            .exitCode())
                    .isZero();
        }
    }

    private static ShellCommand.ArgvSpec spec(List<String> argv, Path cwd, Map<String, String> env, Path stdin) {
        return new ShellCommand.ArgvSpec(argv, cwd, env, stdin, null, ShellCommand.MAX_LINE_BYTES);
    }
}
