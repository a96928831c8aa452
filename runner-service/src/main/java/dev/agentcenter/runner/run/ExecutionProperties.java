package dev.agentcenter.runner.run;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
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
 * How this runner executes runs.
 *
 * @param gitBaseUrl {@code RUNNER_GIT_BASE_URL} (default {@code https://github.com}): repositories are cloned from
 *     {@code <base>/<owner>/<repo>.git}; tests point it at a directory of local bare repositories ({@code file:///…})
 * @param githubToken {@code GITHUB_TOKEN}, else {@code GITHUB_PAT}, else {@code GH_TOKEN}: used to clone when the repo
 *     connection has no token of its own
 * @param credentialEncryptionKey {@code CREDENTIAL_ENCRYPTION_KEY}: decrypts repo connection tokens
 * @param leaseSeconds {@code RUN_LEASE_SECONDS} (default 30): how long a run stays ours without renewal; renewed
 *     every third of it
 * @param cancelGrace {@code RUNNER_CANCEL_GRACE_SECONDS} (default 5 s): between SIGTERM and SIGKILL on cancel
 * @param drainTimeout {@code RUNNER_DRAIN_TIMEOUT_SECONDS} (default 20 s): on shutdown, how long running commands
 *     may finish before they are cancelled
 * @param maxPatchBytes {@code RUNNER_MAX_PATCH_BYTES} (default 5 MiB): larger diffs are stored truncated
 * @param maxOutputBytes {@code RUNNER_MAX_OUTPUT_BYTES} (default 64 MiB): the most output one run may produce, counted
 *     as each output event's message and payload in UTF-8 plus 64 bytes for its row, and the bytes of over-long lines
 *     that were cut off; past it the run's processes are stopped and the run fails with {@code
 *     output_limit_exceeded}
 * @param outputBufferBytes {@code RUNNER_OUTPUT_BUFFER_BYTES} (default 4 MiB): a run's events held in memory while
 *     they wait to be written (Postgres slow or unreachable); past it the run's processes are paused, not dropped
 * @param maxRunDuration {@code RUNNER_MAX_RUN_SECONDS} (default 14400 = 4 h; 1 s to 365 days, there is no "unlimited"):
 *     the wall time one run may take, counted from when this runner accepted it, whatever it is doing (cloning,
 *     running the agent or commands, delivering, waiting); past it the run is stopped and fails with {@code
 *     time_limit_exceeded}. Each run (a follow-up too) gets the whole limit.
 */
@Validated
@ConfigurationProperties("agent-center.execution")
public record ExecutionProperties(
        @NotBlank @DefaultValue("https://github.com") String gitBaseUrl,
        String githubToken,
        String credentialEncryptionKey,
        @Min(3) @Max(3600) @DefaultValue("30") int leaseSeconds,
        @DefaultValue("5s") Duration cancelGrace,
        @DefaultValue("20s") Duration drainTimeout,
        @Min(1024) @DefaultValue("5242880") int maxPatchBytes,
        @Min(1_048_576) @DefaultValue("67108864") long maxOutputBytes,
        @Min(262_144) @DefaultValue("4194304") long outputBufferBytes,

        @NotNull
        @DurationMin(seconds = 1)
        @DurationMax(days = 365)
        @DurationUnit(ChronoUnit.SECONDS)
        @DefaultValue("14400")
        Duration maxRunDuration) {

    public ExecutionProperties {
        githubToken = githubToken == null || githubToken.isBlank() ? null : githubToken.strip();
        credentialEncryptionKey =
                credentialEncryptionKey == null || credentialEncryptionKey.isBlank() ? null : credentialEncryptionKey;
    }

    /** How often the lease is renewed: a third of it, so two renewals may fail before it expires. */
    public Duration renewEvery() {
        return Duration.ofMillis(leaseSeconds * 1000L / 3);
    }
}
