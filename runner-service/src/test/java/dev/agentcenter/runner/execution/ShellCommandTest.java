package dev.agentcenter.runner.execution;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agentcenter.runner.execution.ShellCommand.Outcome;
import dev.agentcenter.runner.execution.ShellCommand.Stream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShellCommandTest {

    private static final List<String> BASH = List.of("bash", "-c");

    @TempDir
    Path dir;

    private final Lines lines = new Lines();

    @Test
    void deliversBothStreamsInOrderAndTheExitCode() throws Exception {
        Outcome outcome = run("for i in 1 2 3; do echo out$i; echo err$i >&2; done; exit 3");

        assertThat(outcome.exitCode()).isEqualTo(3);
        assertThat(outcome.timedOut()).isFalse();
        assertThat(outcome.cancelled()).isFalse();
        assertThat(outcome.duration()).isPositive();
        assertThat(lines.of(Stream.STDOUT)).containsExactly("out1", "out2", "out3");
        assertThat(lines.of(Stream.STDERR)).containsExactly("err1", "err2", "err3");
    }

    @Test
    void successIsExitCodeZero() throws Exception {
        assertThat(run("true").exitCode()).isZero();
    }

    @Test
    void cwdAndEnvironmentReachTheProcessAndNothingElseIsInherited() throws Exception {
        Map<String, String> env =
                ChildEnvironment.build(Map.of("PATH", System.getenv("PATH")), Map.of("GREETING", "hi"));
        Outcome outcome = ShellCommand.start(
                        new ShellCommand.Spec(BASH, "pwd; echo $GREETING; env | sort", dir, env, null), lines)
                .await();

        assertThat(outcome.exitCode()).isZero();
        List<String> out = lines.of(Stream.STDOUT);
        assertThat(out.get(0)).isEqualTo(dir.toRealPath().toString());
        assertThat(out.get(1)).isEqualTo("hi");
        assertThat(out).noneMatch(line -> line.startsWith("JAVA_HOME=") || line.startsWith("MAVEN_"));
        assertThat(out).contains("TERM=dumb", "GREETING=hi");
    }

    @Test
    void theProcessLeadsItsOwnProcessGroup() throws Exception {
        ShellCommand.Running running = start("ps -o pgid= -p $$", null);

        assertThat(running.await().exitCode()).isZero();
        // ps pads the column to its width; the number is what matters.
        assertThat(lines.of(Stream.STDOUT)).extracting(String::strip).containsExactly(String.valueOf(running.pid()));
    }

    @Test
    void crLfEndsALineAndAFinalPartialLineIsFlushed() throws Exception {
        run("printf 'a\\r\\nb\\n\\nlast'; printf 'e1\\ne2' >&2");

        assertThat(lines.of(Stream.STDOUT)).containsExactly("a", "b", "", "last");
        assertThat(lines.of(Stream.STDERR)).containsExactly("e1", "e2");
    }

    @Test
    void invalidUtf8IsReplacedAndValidUtf8Kept() throws Exception {
        run("printf 'caf\\xc3\\xa9 \\xff!\\n'");

        assertThat(lines.of(Stream.STDOUT)).containsExactly("café \uFFFD!");
    }

    @Test
    void aVeryLongLineArrivesOnceAsItsStartAndItsLengthWithoutBreakingCharacters() throws Exception {
        // 'é' is two bytes: an odd offset makes the cut fall inside a character.
        run("head -c 1 /dev/zero | tr '\\0' x; for i in $(seq 60000); do printf '\\xc3\\xa9'; done; echo; echo next");

        List<String> out = lines.of(Stream.STDOUT);
        assertThat(out).hasSize(2);
        String head = out.get(0);
        int headBytes = head.getBytes(StandardCharsets.UTF_8).length;
        assertThat(headBytes)
                .isLessThanOrEqualTo(ShellCommand.MAX_LINE_BYTES + ShellCommand.LONG_LINE_LOOKAHEAD_BYTES)
                .isGreaterThan(ShellCommand.MAX_LINE_BYTES + ShellCommand.LONG_LINE_LOOKAHEAD_BYTES - 2);
        assertThat(head).isEqualTo("x" + "é".repeat((head.length() - 1)));
        assertThat(lines.longLengths).containsExactly(1L + 2 * 60000);
        assertThat(lines.skipped.get())
                .as("every byte past the kept start is reported as it is dropped")
                .isEqualTo(1L + 2 * 60000 - ShellCommand.MAX_LINE_BYTES - ShellCommand.LONG_LINE_LOOKAHEAD_BYTES);
        assertThat(out.get(1)).isEqualTo("next");
    }

    @Test
    void aHundredThousandLinesArriveCompleteAndInOrder() throws Exception {
        Outcome outcome = run("seq 100000");

        assertThat(outcome.exitCode()).isZero();
        assertThat(lines.of(Stream.STDOUT))
                .isEqualTo(IntStream.rangeClosed(1, 100000)
                        .mapToObj(String::valueOf)
                        .toList());
    }

    @Test
    void timeoutStopsTheCommand() throws Exception {
        ShellCommand.Running running = ShellCommand.start(
                new ShellCommand.Spec(BASH, "sleep 1000", dir, null, Duration.ofMillis(300)),
                lines,
                Duration.ofSeconds(30));

        Outcome outcome = running.await();

        assertThat(outcome.timedOut()).isTrue();
        assertThat(outcome.cancelled()).isFalse();
        assertThat(outcome.exitCode()).isNotZero();
        assertGroupGone(running.pid());
    }

    @Test
    void timeoutKillsACommandThatIgnoresTermAndReports124() throws Exception {
        ShellCommand.Running running = ShellCommand.start(
                // The timeout leaves bash ample time to install the trap first.
                new ShellCommand.Spec(BASH, "trap '' TERM; sleep 1000", dir, null, Duration.ofSeconds(3)),
                lines,
                Duration.ofMillis(200));

        Outcome outcome = running.await();

        assertThat(outcome.timedOut()).isTrue();
        assertThat(outcome.exitCode()).isEqualTo(ShellCommand.TIMEOUT_EXIT_CODE);
        assertGroupGone(running.pid());
    }

    @Test
    void cancelStopsTheWholeGroupIncludingBackgroundJobs() throws Exception {
        Path marker = dir.resolve("children-started");
        ShellCommand.Running running = start("sleep 1000 & sleep 1000 & echo $! > " + marker + "; sleep 1000", null);
        await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(marker) && Files.size(marker) > 0);
        List<ProcessHandle> descendants =
                ProcessHandle.of(running.pid()).orElseThrow().descendants().toList();
        assertThat(descendants).hasSizeGreaterThanOrEqualTo(2);

        running.cancel(Duration.ofSeconds(30));
        Outcome outcome = running.await();

        assertThat(outcome.cancelled()).isTrue();
        assertThat(outcome.timedOut()).isFalse();
        // Awaited: the killed children are re-parented to init, which reaps them in its own time.
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(descendants).noneMatch(ProcessHandle::isAlive));
        assertGroupGone(running.pid());
    }

    @Test
    void cancelKillsAChildThatIgnoresTermAfterTheGrace() throws Exception {
        ShellCommand.Running running = start("trap '' TERM; echo ready; sleep 1000", null);
        await().atMost(Duration.ofSeconds(30))
                .until(() -> lines.of(Stream.STDOUT).contains("ready"));

        running.cancel(Duration.ofMillis(200));
        running.cancel(Duration.ofMillis(200)); // idempotent
        Outcome outcome = running.await();

        assertThat(outcome.cancelled()).isTrue();
        assertThat(outcome.exitCode()).isEqualTo(128 + 9);
        assertGroupGone(running.pid());
    }

    @Test
    void leftoverBackgroundJobsAreStoppedWhenTheShellExits() throws Exception {
        // The background sleep keeps stdout open: without clean-up, await() would wait for it forever.
        ShellCommand.Running running = start("sleep 1000 & echo done", null);

        Outcome outcome = running.await();

        assertThat(outcome.exitCode()).isZero();
        assertThat(outcome.cancelled()).isFalse();
        assertThat(lines.of(Stream.STDOUT)).containsExactly("done");
        assertGroupGone(running.pid());
    }

    @Test
    void cancelAfterTheEndChangesNothing() throws Exception {
        ShellCommand.Running running = start("exit 0", null);
        Outcome first = running.await();

        running.cancel(Duration.ofSeconds(1));

        assertThat(running.await()).isEqualTo(first);
        assertThat(first.cancelled()).isFalse();
    }

    @Test
    void aFailingSinkDoesNotStopReading() throws Exception {
        List<String> seen = new ArrayList<>();
        Outcome outcome = ShellCommand.start(new ShellCommand.Spec(BASH, "seq 3", dir, null, null), (stream, line) -> {
                    synchronized (seen) {
                        seen.add(line);
                    }
                    throw new IllegalStateException("sink down");
                })
                .await();

        assertThat(outcome.exitCode()).isZero();
        assertThat(seen).containsExactly("1", "2", "3");
    }

    @Test
    void aMissingWorkingDirectoryFailsToStart() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ShellCommand.start(
                        new ShellCommand.Spec(BASH, "true", dir.resolve("missing"), null, null), lines))
                .isInstanceOf(IOException.class);
    }

    private Outcome run(String command) throws Exception {
        return start(command, null).await();
    }

    private ShellCommand.Running start(String command, Duration timeout) throws IOException {
        return ShellCommand.start(new ShellCommand.Spec(BASH, command, dir, null, timeout), lines);
    }

    /** No process of the group is left ({@code pgrep} exits 1 when nothing matches). */
    static void assertGroupGone(long pgid) {
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            Process pgrep = new ProcessBuilder("pgrep", "-g", String.valueOf(pgid))
                    .redirectErrorStream(true)
                    .start();
            String out = new String(pgrep.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(pgrep.waitFor()).as("pgrep -g %d found: %s", pgid, out).isEqualTo(1);
        });
    }

    /** Collects lines per stream; thread-safe because the two streams are read on different threads. */
    static final class Lines implements ShellCommand.OutputSink {
        private final ConcurrentLinkedQueue<Object[]> all = new ConcurrentLinkedQueue<>();
        final ConcurrentLinkedQueue<Long> longLengths = new ConcurrentLinkedQueue<>();
        final java.util.concurrent.atomic.AtomicLong skipped = new java.util.concurrent.atomic.AtomicLong();

        @Override
        public void longLine(Stream stream, String head, long length) {
            longLengths.add(length);
            line(stream, head);
        }

        @Override
        public void skipped(Stream stream, int bytes) {
            skipped.addAndGet(bytes);
        }

        @Override
        public void line(Stream stream, String line) {
            all.add(new Object[] {stream, line});
        }

        List<String> of(Stream stream) {
            return all.stream()
                    .filter(entry -> entry[0] == stream)
                    .map(entry -> (String) entry[1])
                    .toList();
        }

        List<String> all() {
            return all.stream().map(entry -> (String) entry[1]).toList();
        }
    }
}
