package dev.agentcenter.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServiceProcessTest {

    @TempDir
    Path dir;

    private final ByteArrayOutputStream captured = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(captured, true, StandardCharsets.UTF_8);

    private ServiceProcess start(String script) throws Exception {
        return ServiceProcess.start(
                "svc",
                List.of("/bin/sh", "-c", script),
                dir,
                Map.of("PATH", "/usr/bin:/bin"),
                dir.resolve("logs"),
                out,
                false);
    }

    private String output() {
        return captured.toString(StandardCharsets.UTF_8);
    }

    @Test
    void prefixesOutputKeepsAnUnprefixedLogAndTheLastLines() throws Exception {
        ServiceProcess process = start("echo hello; echo oops >&2; exit 3");

        assertThat(process.awaitExit(10_000)).isTrue();
        process.awaitOutput(5_000);

        assertThat(process.exitValue()).isEqualTo(3);
        assertThat(output()).contains("[svc] hello\n", "[svc] oops\n");
        assertThat(Files.readAllLines(dir.resolve("logs/svc.log"))).containsExactly("hello", "oops");
        assertThat(process.tail()).containsExactly("hello", "oops");
    }

    @Test
    void keepsThePreviousLog() throws Exception {
        start("echo first run").awaitOutput(10_000);
        start("echo second run").awaitOutput(10_000);

        assertThat(Files.readAllLines(dir.resolve("logs/svc.log"))).containsExactly("second run");
        assertThat(Files.readAllLines(dir.resolve("logs/svc.previous.log"))).containsExactly("first run");
    }

    @Test
    void theServiceEnvironmentIsExactlyTheOneGiven() throws Exception {
        ServiceProcess process = start("env | sort");
        process.awaitOutput(10_000);

        assertThat(process.tail())
                .filteredOn(line -> !line.startsWith("PWD=") && !line.startsWith("SHLVL="))
                .filteredOn(line -> !line.startsWith("_="))
                .containsExactly("PATH=/usr/bin:/bin");
    }

    @Test
    void terminateSendsSigtermAndStillCollectsTheShutdownOutput() throws Exception {
        ServiceProcess process =
                start("trap 'echo stopping gracefully; exit 0' TERM; echo up; while :; do sleep 0.05; done");
        await().atMost(Duration.ofSeconds(10)).until(() -> output().contains("[svc] up"));

        process.terminate();

        assertThat(process.awaitExit(10_000)).isTrue();
        process.awaitOutput(5_000);
        assertThat(process.exitValue()).isZero();
        assertThat(output()).contains("[svc] stopping gracefully");
    }

    @Test
    void killAlsoEndsWhatTheServiceStarted() throws Exception {
        ServiceProcess process = start("trap '' TERM; sleep 300 & echo child $!; wait");
        await().atMost(Duration.ofSeconds(10)).until(() -> output().contains("[svc] child "));
        long child = Long.parseLong(output().replaceAll("(?s).*\\[svc] child (\\d+).*", "$1"));

        process.terminate();
        assertThat(process.awaitExit(300)).as("ignores SIGTERM").isFalse();
        process.kill();

        await().atMost(Duration.ofSeconds(10))
                .until(() -> !process.isAlive()
                        && ProcessHandle.of(child).map(h -> !h.isAlive()).orElse(true));
    }
}
