package dev.agentcenter.worker;

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
 * How often the worker's loops run and how hard it tries to hand a run to a runner. Each value comes from an
 * environment variable (see {@code application.yml} and {@code .env.example}); plain numbers are milliseconds.
 *
 * @param pollInterval {@code WORKER_POLL_INTERVAL_MS} (default 1000): how often the worker looks for queued runs
 *     when no {@code NOTIFY} woke it; the fallback that bounds how long a run can wait if a notification is lost
 * @param leaseSweepInterval {@code WORKER_LEASE_SWEEP_INTERVAL_MS} (default 5000): how often the worker looks for
 *     runs whose runner lease expired, to fail or re-queue them
 * @param automationInterval {@code WORKER_AUTOMATION_INTERVAL_MS} (default 5000): how often the worker checks for
 *     automations whose next fire time has passed; a fire is at most this late
 * @param dispatchMaxAttempts {@code WORKER_DISPATCH_MAX_ATTEMPTS} (default 5): how many times the worker tries to
 *     hand one run to a runner (no runner with free capacity, runner unreachable) before failing the run
 */
@Validated
@ConfigurationProperties("agent-center.worker")
public record WorkerProperties(
        @NotNull
        @DurationMin(millis = 10)
        @DurationMax(hours = 1)
        @DurationUnit(ChronoUnit.MILLIS)
        @DefaultValue("1000")
        Duration pollInterval,

        @NotNull
        @DurationMin(millis = 100)
        @DurationMax(hours = 1)
        @DurationUnit(ChronoUnit.MILLIS)
        @DefaultValue("5000")
        Duration leaseSweepInterval,

        @NotNull
        @DurationMin(millis = 100)
        @DurationMax(hours = 1)
        @DurationUnit(ChronoUnit.MILLIS)
        @DefaultValue("5000")
        Duration automationInterval,

        @Min(1) @Max(100) @DefaultValue("5") int dispatchMaxAttempts) {}
