package dev.agentcenter.worker.queue;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import org.hibernate.validator.constraints.time.DurationMax;
import org.hibernate.validator.constraints.time.DurationMin;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.boot.convert.DurationUnit;
import org.springframework.validation.annotation.Validated;

/**
 * Where a queued run may go: workspace affinity and the waiting reasons the worker records.
 *
 * @param affinityMaxWait {@code WORKER_AFFINITY_MAX_WAIT_SECONDS} (default 900): how long a run waits for the busy
 *     runner that holds its task's workspace before it is re-homed to another runner (with an event, a fresh
 *     workspace and, for a repository task, a new clone of its branch). A runner that is offline past
 *     {@code RUNNER_STALE_AFTER_SECONDS} or drained re-homes its tasks' runs at once.
 * @param waitingScanLimit {@code WORKER_WAITING_SCAN_LIMIT} (default 500): how many of the oldest queued runs get
 *     their {@code waitingFor} reason refreshed after each claim round; later ones keep their last reason
 */
@Validated
@ConfigurationProperties("agent-center.scheduling")
public record SchedulingProperties(
        @NotNull @DurationMin(seconds = 1) @DurationMax(days = 7) @DurationUnit(ChronoUnit.SECONDS) @DefaultValue("900")
        Duration affinityMaxWait,

        @Min(1) @Max(100_000) @DefaultValue("500") int waitingScanLimit) {

    /** The defaults, for tests and tools that build a worker by hand. */
    public static SchedulingProperties defaults() {
        return new SchedulingProperties(Duration.ofSeconds(900), 500);
    }
}
