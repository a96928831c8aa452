package dev.agentcenter.runner.sandbox.limits;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.util.unit.DataSize;

/**
 * Which hierarchy is chosen from {@code /proc/self/cgroup} and {@code /proc/self/mountinfo}, and what a v2 run
 * cgroup is given (this host has v1; the v2 layout is played by a plain directory tree here).
 */
class CgroupHostTest {

    private static final ResourceLimits LIMITS =
            new ResourceLimits(DataSize.parse("1GB"), 512, 1.5, DataSize.parse("2GB"), Duration.ofSeconds(5));

    @TempDir
    Path root;

    @Test
    void aUnifiedHierarchyWithMemoryAndPidsIsV2() throws Exception {
        Path own = Files.createDirectories(root.resolve("system.slice/runner.service"));
        Files.writeString(own.resolve("cgroup.controllers"), "cpuset cpu io memory pids\n");
        CgroupHost host = CgroupHost.detect(
                List.of("0::/system.slice/runner.service"),
                List.of("30 23 0:26 / " + root + " rw,nosuid - cgroup2 cgroup2 rw,nsdelegate"));

        assertThat(host.available()).isTrue();
        assertThat(host.version()).isEqualTo(CgroupHost.Version.V2);
        Files.createDirectories(own.resolve("agent-center"));
        Files.writeString(own.resolve("agent-center/cgroup.controllers"), "cpu memory pids\n");
        Files.createDirectories(own.resolve("agent-center/run-1"));
        Files.writeString(own.resolve("agent-center/run-1/cpu.max"), "max 100000\n");
        RunCgroup cgroup = host.create("run-1", LIMITS);

        Path dir = own.resolve("agent-center/run-1");
        assertThat(Files.readString(own.resolve("agent-center/cgroup.subtree_control")))
                .isEqualTo("+memory +pids +cpu");
        assertThat(Files.readString(dir.resolve("memory.max"))).isEqualTo("1073741824");
        assertThat(Files.readString(dir.resolve("pids.max"))).isEqualTo("512");
        assertThat(Files.readString(dir.resolve("cpu.max"))).isEqualTo("150000 100000");
        assertThat(cgroup.launcher().get(2)).startsWith("echo $$ > '" + dir.resolve("cgroup.procs") + "'");
        Files.writeString(dir.resolve("pids.events"), "max 3\n");
        assertThat(cgroup.breach()).contains(LimitBreach.PROCESSES);
        Files.writeString(dir.resolve("memory.events"), "low 0\nhigh 0\nmax 9\noom 1\noom_kill 1\n");
        assertThat(cgroup.breach()).contains(LimitBreach.MEMORY);
    }

    @Test
    void aHybridHostWithoutV2ControllersUsesV1BelowTheRunnersOwnCgroups() throws Exception {
        Files.createDirectories(root.resolve("unified"));
        Files.writeString(root.resolve("unified/cgroup.controllers"), "hugetlb\n");
        Files.createDirectories(root.resolve("memory/session/abc"));
        Files.createDirectories(root.resolve("pids"));
        CgroupHost host = CgroupHost.detect(
                List.of("8:pids:/", "4:memory:/session/abc", "1:cpu:/", "0::/"),
                List.of(
                        "35 31 0:32 / " + root.resolve("memory") + " rw,relatime - cgroup cgroup rw,memory",
                        "39 31 0:36 / " + root.resolve("pids") + " rw,relatime - cgroup cgroup rw,pids",
                        "41 31 0:38 / " + root.resolve("unified") + " rw,relatime - cgroup2 cgroup2 rw"));

        assertThat(host.version()).isEqualTo(CgroupHost.Version.V1);
        assertThat(host.cpuControl()).isFalse();
        RunCgroup cgroup = host.create("run-2", LIMITS);
        assertThat(cgroup.directories())
                .containsEntry("memory", root.resolve("memory/session/abc/agent-center/run-2"))
                .containsEntry("pids", root.resolve("pids/agent-center/run-2"));
        assertThat(Files.readString(root.resolve("memory/session/abc/agent-center/run-2/memory.limit_in_bytes")))
                .isEqualTo("1073741824");
    }

    @Test
    void withoutMemoryAndPidsThereAreNoLimitsAndItSaysWhy() {
        CgroupHost host = CgroupHost.detect(List.of("0::/"), List.of());

        assertThat(host.available()).isFalse();
        assertThat(host.problem())
                .hasValueSatisfying(problem -> assertThat(problem).contains("memory and pids"));
    }
}
