package dev.agentcenter.runner.sandbox.limits;

import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * What one sandboxed run may use. Memory, processes and CPU are enforced by a cgroup of the run's own (v2 where the
 * host has it, v1 otherwise); disk is measured. A run that passes one of them is stopped and fails with {@code
 * memory_limit_exceeded}, {@code process_limit_exceeded} or {@code disk_limit_exceeded}. (Output has its own cap,
 * {@code RUNNER_MAX_OUTPUT_BYTES}; wall time is each command's {@code timeoutSeconds} and {@code
 * RUNNER_AGENT_TIMEOUT_SECONDS}.)
 *
 * @param memory {@code RUNNER_SANDBOX_MEMORY} (default {@code 4GB}): memory of all the run's processes together,
 *     page cache and its private {@code /tmp} included; past it the kernel's OOM killer ends one of them and the run
 *     is stopped. Enough for a JVM or Node build with its tests; a link of a large C++ project may need more
 * @param processes {@code RUNNER_SANDBOX_PROCESSES} (default 1024): processes and threads at once; a fork past it
 *     fails and the run is stopped. A JVM build with forked test JVMs stays under a few hundred threads
 * @param cpus {@code RUNNER_SANDBOX_CPUS} (default 0: all of the host's cores, no cap): CPU time per second, in cores
 *     (e.g. {@code 1.5}); a run past it is slowed down, not stopped
 * @param disk {@code RUNNER_SANDBOX_DISK} (default {@code 20GB}): the size of the files in the run's workspace, with
 *     its agent state; measured every {@code diskCheckInterval}, so a run may pass it briefly before it is stopped
 * @param diskCheckInterval {@code RUNNER_SANDBOX_DISK_CHECK_SECONDS} (default 10 s): how often the workspace is
 *     measured (a walk of its files: more often costs more on a large checkout)
 */
@Validated
@ConfigurationProperties("agent-center.sandbox.limits")
public record ResourceLimits(
        @NotNull @DefaultValue("4GB") DataSize memory,
        @Min(16) @DefaultValue("1024") int processes,
        @DecimalMin("0") @DefaultValue("0") double cpus,
        @NotNull @DefaultValue("20GB") DataSize disk,
        @NotNull @DefaultValue("10s") Duration diskCheckInterval) {

    public ResourceLimits {
        if (memory.toBytes() < 16L * 1024 * 1024) {
            throw new IllegalArgumentException("RUNNER_SANDBOX_MEMORY must be at least 16MB: " + memory);
        }
        if (diskCheckInterval.isNegative() || diskCheckInterval.isZero()) {
            throw new IllegalArgumentException("RUNNER_SANDBOX_DISK_CHECK_SECONDS must be positive");
        }
    }

    /** The CPU cap in cores, or 0 for none. */
    public double cpuCap() {
        return cpus <= 0 || cpus >= Runtime.getRuntime().availableProcessors() ? 0 : cpus;
    }
}
