package dev.agentcenter.runner.execution;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link ShellCommand#start(ShellCommand.ArgvSpec, ShellCommand.OutputSink, java.time.Duration)}. */
class ArgvCommandTest {

    @TempDir
    Path dir;

    @Test
    void argumentsAreNotInterpretedByAShellAndStdinComesFromTheFile() throws Exception {
        Path input = dir.resolve("prompt.txt");
        Files.writeString(input, "line one\n$(touch pwned) `id` ; rm -rf x\n");
        Map<String, String> env = ChildEnvironment.build(System.getenv(), Map.of("ONLY_THIS", "yes"));
        ConcurrentLinkedQueue<String> out = new ConcurrentLinkedQueue<>();
        String tricky = "$(touch pwned2); echo injected";

        ShellCommand.Outcome outcome = ShellCommand.start(
                        new ShellCommand.ArgvSpec(
                                List.of(
                                        "bash",
                                        "-c",
                                        "printf '%s\\n' \"$1\"; cat; echo \"$ONLY_THIS\"",
                                        "argv0",
                                        tricky),
                                dir,
                                env,
                                input,
                                null,
                                8 * 1024 * 1024),
                        (stream, line) -> out.add(line),
                        ShellCommand.TIMEOUT_GRACE)
                .await();

        assertThat(outcome.exitCode()).isZero();
        assertThat(out).containsExactly(tricky, "line one", "$(touch pwned) `id` ; rm -rf x", "yes");
        assertThat(dir.resolve("pwned")).doesNotExist();
        assertThat(dir.resolve("pwned2")).doesNotExist();
    }

    @Test
    void linesUpToTheGivenLengthArriveWhole() throws Exception {
        ConcurrentLinkedQueue<String> out = new ConcurrentLinkedQueue<>();
        ShellCommand.start(
                        new ShellCommand.ArgvSpec(
                                List.of("bash", "-c", "head -c 200000 /dev/zero | tr '\\0' a; echo"),
                                dir,
                                ChildEnvironment.build(System.getenv(), Map.of()),
                                null,
                                null,
                                1024 * 1024),
                        (stream, line) -> out.add(line),
                        ShellCommand.TIMEOUT_GRACE)
                .await();

        assertThat(out).hasSize(1);
        assertThat(out.peek()).hasSize(200_000);
    }
}
