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
 * How often the worker's loops run and how it hands runs to runners. Each value comes from an environment variable
 * (see {@code application.yml} and {@code .env.example}); plain numbers are in the unit the variable's name says.
 *
 * @param pollInterval {@code WORKER_POLL_INTERVAL_MS} (default 1000): how often the worker looks for queued runs
 *     when no {@code NOTIFY} woke it; the fallback that bounds how long a run can wait if a notification is lost
 * @param leaseSweepInterval {@code WORKER_LEASE_SWEEP_INTERVAL_MS} (default 5000): how often the worker looks for
 *     runs whose runner lease expired, to fail or re-queue them, and for runners that stopped sending heartbeats
 * @param automationInterval {@code WORKER_AUTOMATION_INTERVAL_MS} (default 5000): how often the worker checks for
 *     automations whose next fire time has passed; a fire is at most this late
 * @param dispatchMaxAttempts {@code WORKER_DISPATCH_MAX_ATTEMPTS} (default 5): how many times the worker tries to
 *     hand one run to a runner (runner busy, unreachable or too slow to answer) before failing the run with
 *     {@code dispatch_failed}; waiting for a runner with free capacity does not count
 * @param runnerInternalToken {@code RUNNER_INTERNAL_TOKEN} (no default): the bearer token sent with every request
 *     to a runner's {@code /internal} routes; it must equal the runners' own. While it is not set the worker claims
 *     nothing (runs stay queued), because every dispatch would be refused
 * @param runLease {@code RUN_LEASE_SECONDS} (default 30): the lease a claimed run starts with; the runner renews
 *     it while it works, and a run whose lease expires is re-queued or failed by the lease sweeper
 * @param claimBatchSize {@code WORKER_CLAIM_BATCH_SIZE} (default 10): the most runs one claim round takes, so one
 *     worker does not take the whole queue while others idle
 * @param dispatchTimeout {@code WORKER_DISPATCH_TIMEOUT_MS} (default 5000): how long one dispatch request to a
 *     runner may take (connect, send, answer) before the attempt counts as failed
 * @param runnerStaleAfter {@code RUNNER_STALE_AFTER_SECONDS} (default 30): a runner whose last heartbeat is older
 *     than this gets no new runs and is marked {@code offline}
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

        @Min(1) @Max(100) @DefaultValue("5") int dispatchMaxAttempts,

        String runnerInternalToken,

        @NotNull @DurationMin(seconds = 5) @DurationMax(hours = 1) @DurationUnit(ChronoUnit.SECONDS) @DefaultValue("30")
        Duration runLease,

        @Min(1) @Max(1000) @DefaultValue("10") int claimBatchSize,

        @NotNull
        @DurationMin(millis = 100)
        @DurationMax(minutes = 5)
        @DurationUnit(ChronoUnit.MILLIS)
        @DefaultValue("5000")
        Duration dispatchTimeout,

        @NotNull @DurationMin(seconds = 1) @DurationMax(hours = 1) @DurationUnit(ChronoUnit.SECONDS) @DefaultValue("30")
        Duration runnerStaleAfter) {

    /** Whether a runner token is configured; without one the worker does not dispatch. */
    public boolean runnerTokenConfigured() {
        return runnerInternalToken != null && !runnerInternalToken.isBlank();
    }

    /** Never prints the token: settings end up in logs and failure messages. */
    @Override
    public String toString() {
        return "WorkerProperties[pollInterval=" + pollInterval + ", leaseSweepInterval=" + leaseSweepInterval
                + ", automationInterval=" + automationInterval + ", dispatchMaxAttempts=" + dispatchMaxAttempts
                + ", runnerInternalToken=" + (runnerTokenConfigured() ? "<set>" : "<not set>") + ", runLease="
                + runLease + ", claimBatchSize=" + claimBatchSize + ", dispatchTimeout=" + dispatchTimeout
                + ", runnerStaleAfter=" + runnerStaleAfter + "]";
    }
}
