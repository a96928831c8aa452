package dev.agentcenter.runner.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNoException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentcenter.model.PermissionMode;
import dev.agentcenter.runner.execution.SecretRedactor;
import dev.agentcenter.runner.metrics.RunnerMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

/**
 * The first stop signal decides how a run ends: a cancel and the wall-time limit, in either order and at the same time.
 * Nothing here is written (no event, no row), so the journal has no database.
 */
class RunScopeStopTest {

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final List<RunScope> scopes = new ArrayList<>();

    @AfterEach
    void closeJournals() {
        scopes.forEach(scope -> scope.journal().close());
    }

    @Test
    void aLimitAfterACancelChangesNothing() {
        RunScope run = newScope();

        run.cancel("Cancelled via API");
        run.onTimeLimit();

        assertThat(run.cancelRequested()).isTrue();
        assertThat(run.timeLimited()).isFalse();
        assertThat(run.stopped()).isDone();
        assertThatNoException().isThrownBy(run::requireWithinRunLimits);
        assertThat(run.failureOf(new RunFailure("command_failed", "x")).code()).isEqualTo("command_failed");
        assertThat(timeHits()).isZero();
    }

    @Test
    void aCancelAfterTheLimitChangesNothingAndTheLimitOverridesWhatTheStopCaused() {
        RunScope run = newScope();

        run.onTimeLimit();
        run.cancel("Cancelled via API");

        assertThat(run.timeLimited()).isTrue();
        assertThat(run.cancelRequested()).isFalse();
        assertThat(run.stopping()).isTrue();
        assertThat(run.stopped()).isDone();
        assertThatThrownBy(run::requireWithinRunLimits)
                .isInstanceOfSatisfying(
                        RunFailure.class, e -> assertThat(e.code()).isEqualTo("time_limit_exceeded"))
                .hasMessageContaining("wall-time limit of 4h (RUNNER_MAX_RUN_SECONDS)");
        assertThat(run.failureOf(new RunFailure("git_failed", "git clone was stopped"))
                        .code())
                .isEqualTo("time_limit_exceeded");
        assertThat(timeHits()).isEqualTo(1);
    }

    @Test
    void onceTheRunIsEndingTheLimitIsNotHitAndACancelIsIgnored() {
        RunScope run = newScope();

        run.ending();
        run.onTimeLimit();
        run.cancel("Cancelled via API");

        assertThat(run.timeLimited()).isFalse();
        assertThat(run.cancelRequested()).isFalse();
        assertThat(run.stopping()).isFalse();
        assertThat(timeHits()).isZero();
    }

    @Test
    void aCancelAndTheLimitAtTheSameInstantGiveExactlyOneWinner() throws Exception {
        try (ExecutorService threads = Executors.newFixedThreadPool(2)) {
            for (int round = 0; round < 200; round++) {
                RunScope run = newScope();
                CountDownLatch go = new CountDownLatch(1);
                Future<?> cancel = threads.submit(() -> {
                    go.await();
                    run.cancel("Cancelled via API");
                    return null;
                });
                Future<?> limit = threads.submit(() -> {
                    go.await();
                    run.onTimeLimit();
                    return null;
                });
                go.countDown();
                cancel.get(30, TimeUnit.SECONDS);
                limit.get(30, TimeUnit.SECONDS);
                assertThat(run.stopped()).isDone();
                assertThat(run.cancelRequested()).as("round %d", round).isNotEqualTo(run.timeLimited());
            }
        }
    }

    @Test
    void theLimitIsNamedAsPeopleWriteIt() {
        assertThat(RunTimeLimits.describe(Duration.ofHours(4))).isEqualTo("4h");
        assertThat(RunTimeLimits.describe(Duration.ofSeconds(5400))).isEqualTo("1h 30m");
        assertThat(RunTimeLimits.describe(Duration.ofSeconds(5))).isEqualTo("5s");
        assertThat(RunTimeLimits.describe(Duration.ofSeconds(90_061))).isEqualTo("1d 1h 1m 1s");
    }

    private RunScope newScope() {
        UUID runId = UUID.randomUUID();
        RunContext context = new RunContext(
                runId,
                UUID.randomUUID(),
                1,
                UUID.randomUUID(),
                "manual",
                null,
                null,
                PermissionMode.SAFE,
                List.of(),
                null,
                null,
                null,
                null,
                null,
                null);
        ExecutionProperties properties = new ExecutionProperties(
                "https://github.com",
                null,
                null,
                30,
                Duration.ofSeconds(5),
                Duration.ofSeconds(20),
                5_242_880,
                67_108_864L,
                4_194_304L,
                Duration.ofHours(4));
        RunScope scope = new RunScope(
                context,
                properties,
                null,
                JsonMapper.builder().build(),
                new SecretRedactor(),
                new RunnerMetrics(meters));
        scopes.add(scope);
        return scope;
    }

    private double timeHits() {
        Counter counter = meters.find(RunnerMetrics.SANDBOX_LIMIT_HITS)
                .tag("limit", "time")
                .counter();
        return counter == null ? 0 : counter.count();
    }
}
