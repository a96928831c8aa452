package dev.agentcenter.runner.sandbox.limits;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agentcenter.runner.sandbox.MinimalBwrap;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.util.unit.DataSize;

/**
 * Hostile runs against real cgroups and real bubblewrap: a process flood, a memory hog and a disk filler are each
 * stopped with their code, nothing of theirs survives, and the cgroup is gone afterwards.
 */
class RunCgroupTest {

    private static CgroupHost host;

    @TempDir
    Path workspace;

    @BeforeAll
    static void detect() {
        host = CgroupHost.detect();
        // CI runs as root on a host with cgroups (.ci/run); elsewhere say why instead of failing obscurely.
        Assumptions.assumeTrue(host.available(), () -> host.problem().orElse(""));
    }

    private static ResourceLimits limits(String memory, int processes, double cpus, String disk) {
        return new ResourceLimits(
                DataSize.parse(memory), processes, cpus, DataSize.parse(disk), Duration.ofMillis(200));
    }

    /** What a runner killed mid-run leaves: its runs' cgroups, empty. The next runner start removes the old ones. */
    @Test
    void emptyRunCgroupsOlderThanTheCutOffAreRemovedAndOthersAreKept() throws Exception {
        ResourceLimits limits = limits("64MB", 16, 0, "1GB");
        RunCgroup abandoned = host.create("run-" + UUID.randomUUID(), limits);
        RunCgroup busy = host.create("run-" + UUID.randomUUID(), limits);
        Process member = new ProcessBuilder(concat(busy.launcher(), List.of("sleep", "4249"))).start();
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> !busy.processes().isEmpty());
            // Both were made an hour ago, as by a runner killed then; the cut-off is ten minutes ago, as at start.
            java.time.Instant anHourAgo = java.time.Instant.now().minus(Duration.ofHours(1));
            for (RunCgroup old : List.of(abandoned, busy)) {
                for (Path dir : old.directories().values()) {
                    Files.setLastModifiedTime(dir, java.nio.file.attribute.FileTime.from(anHourAgo));
                }
            }
            RunCgroup young = host.create("run-" + UUID.randomUUID(), limits);

            int removed = host.removeStale(java.time.Instant.now().minus(Duration.ofMinutes(10)));

            assertThat(removed).isGreaterThanOrEqualTo(abandoned.directories().size());
            assertThat(abandoned.directories().values()).noneMatch(Files::exists);
            assertThat(busy.directories().values()).allMatch(Files::exists);
            assertThat(young.directories().values()).allMatch(Files::exists);
            young.close();
        } finally {
            busy.close();
            member.waitFor(30, TimeUnit.SECONDS);
        }
    }

    private static List<String> concat(List<String> first, List<String> second) {
        List<String> all = new ArrayList<>(first);
        all.addAll(second);
        return all;
    }

    @Test
    void twoThousandBackgroundSleepsAreStoppedAtTheProcessLimit() throws Exception {
        ResourceLimits limits = limits("512MB", 256, 0, "1GB");
        Hostile run = Hostile.start(limits, workspace, """
                for i in $(seq 2000); do sleep 4243 & done
                wait
                echo all-started
                """);

        assertThat(run.breach()).isEqualTo(LimitBreach.PROCESSES);
        assertThat(run.output()).doesNotContain("all-started");
        assertThat(LimitBreach.PROCESSES.code()).isEqualTo("process_limit_exceeded");
        assertThat(LimitBreach.PROCESSES.message(limits)).contains("256").contains("RUNNER_SANDBOX_PROCESSES");
        assertThat(sleepsLeft("4243")).isZero();
        run.assertCgroupRemoved();
    }

    @Test
    void allocatingPastTheMemoryLimitIsMemoryLimitExceeded() throws Exception {
        Hostile run = Hostile.start(limits("64MB", 256, 0, "1GB"), workspace, """
                head -c 400M /dev/zero | tail > /dev/null
                echo "tail ended: $?"
                sleep 4244
                """);

        assertThat(run.breach()).isEqualTo(LimitBreach.MEMORY);
        assertThat(sleepsLeft("4244")).isZero();
        run.assertCgroupRemoved();
    }

    @Test
    void fillingTheWorkspacePastTheDiskLimitIsDiskLimitExceeded() throws Exception {
        Hostile run = Hostile.start(limits("256MB", 256, 0, "4MB"), workspace, """
                head -c 16M /dev/zero > "$WORKSPACE/big"
                sleep 4245
                """);

        assertThat(run.breach()).isEqualTo(LimitBreach.DISK);
        assertThat(sleepsLeft("4245")).isZero();
        run.assertCgroupRemoved();
    }

    @Test
    void aRunWithinItsLimitsEndsNormallyWithItsCpuCapInPlace() throws Exception {
        Assumptions.assumeTrue(Runtime.getRuntime().availableProcessors() > 1, "a cap needs more than one core");
        ResourceLimits limits = limits("256MB", 256, 0.5, "1GB");
        try (RunCgroup cgroup = host.create("test-" + UUID.randomUUID(), limits)) {
            if (host.cpuControl() && host.version() == CgroupHost.Version.V1) {
                assertThat(Files.readString(cgroup.directories().get("cpu").resolve("cpu.cfs_quota_us"))
                                .strip())
                        .isEqualTo("50000");
            }
            List<String> argv = new ArrayList<>(cgroup.launcher());
            argv.addAll(List.of("sh", "-c", "cat /proc/self/cgroup; echo done"));
            Process process = new ProcessBuilder(argv).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(process.exitValue()).isZero();
            Path memory = cgroup.directories()
                    .getOrDefault("memory", cgroup.directories().get(""));
            assertThat(output).contains(memory.getFileName().toString()).contains("done");
            assertThat(cgroup.breach()).isEmpty();
        }
    }

    /** Live processes whose command line is {@code sleep <marker>}. */
    private static long sleepsLeft(String marker) throws IOException {
        try (var entries = Files.list(Path.of("/proc"))) {
            return entries.filter(p -> p.getFileName().toString().matches("\\d+"))
                    .filter(p -> {
                        try {
                            String cmdline =
                                    Files.readString(p.resolve("cmdline")).replace('\0', ' ');
                            String stat = Files.readString(p.resolve("stat"));
                            return cmdline.strip().equals("sleep " + marker)
                                    && !stat.substring(stat.lastIndexOf(')') + 2)
                                            .startsWith("Z");
                        } catch (IOException e) {
                            return false;
                        }
                    })
                    .count();
        }
    }

    /** A script run in a run cgroup and a bubblewrap sandbox, watched, and stopped at its first breach. */
    private record Hostile(RunCgroup cgroup, LimitBreach breach, String output) {

        static Hostile start(ResourceLimits limits, Path workspace, String script) throws Exception {
            RunCgroup cgroup = host.create("test-" + UUID.randomUUID(), limits);
            CompletableFuture<LimitBreach> breached = new CompletableFuture<>();
            List<String> argv = new ArrayList<>(cgroup.launcher());
            argv.addAll(MinimalBwrap.argv(workspace));
            argv.addAll(List.of("--", "bash", "-c", script));
            ProcessBuilder builder = new ProcessBuilder(argv).redirectErrorStream(true);
            builder.environment().put("WORKSPACE", workspace.toString());
            Process process = builder.start();
            CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> {
                try {
                    return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                } catch (IOException e) {
                    return "";
                }
            });
            try (LimitWatch watch = LimitWatch.start(cgroup, List.of(workspace), limits, found -> {
                cgroup.killAll();
                breached.complete(found);
            })) {
                LimitBreach breach = breached.get(120, TimeUnit.SECONDS);
                assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
                assertThat(watch.breach()).contains(breach);
                String text = output.get(60, TimeUnit.SECONDS);
                cgroup.close();
                return new Hostile(cgroup, breach, text);
            } catch (Exception | AssertionError e) {
                process.destroyForcibly();
                cgroup.close();
                throw e;
            }
        }

        void assertCgroupRemoved() {
            await().atMost(Duration.ofSeconds(30))
                    .untilAsserted(
                            () -> assertThat(cgroup.directories().values()).noneMatch(Files::exists));
        }
    }
}
