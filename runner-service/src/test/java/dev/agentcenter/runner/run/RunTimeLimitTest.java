package dev.agentcenter.runner.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agentcenter.runner.metrics.RunnerMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * The run-level wall-time limit ({@code RUNNER_MAX_RUN_SECONDS}), shortened to {@value #LIMIT_SECONDS} s: real
 * processes, a real Postgres, a fake GitHub for the delivery.
 */
class RunTimeLimitTest extends RunnerFixture {

    private static final int LIMIT_SECONDS = 5;
    private static final List<String> TERMINAL = List.of("run.completed", "run.failed", "run.cancelled");
    private static final GitDeliveryTest.FakeGitHub github = new GitDeliveryTest.FakeGitHub();

    @Autowired
    MeterRegistry meters;

    @Autowired
    RunTimeLimits timeLimits;

    @DynamicPropertySource
    static void shortWallTimeLimit(DynamicPropertyRegistry registry) {
        registry.add("agent-center.execution.max-run-duration", () -> Integer.toString(LIMIT_SECONDS));
        registry.add(
                "agent-center.delivery.github-api-base-url",
                () -> github.server.url("/api/v3").toString());
        // Far longer than the limit: a delivery that ends did not wait for GitHub's timeout.
        registry.add("agent-center.delivery.github-timeout", () -> "10m");
    }

    @AfterAll
    static void stopFakeGitHub() {
        github.server.close();
    }

    /** Answers what it held and forgets it. */
    @AfterEach
    void resetFakeGitHub() {
        github.reset();
    }

    @Test
    void aRunPastTheLimitIsStoppedAndFailsAndAFollowUpGetsALimitOfItsOwn() {
        double hitsBefore = timeHits();
        String marker = uniqueSleepSeconds();
        UUID task = newTask(null);
        Handle run = queue(task, List.of(command("echo go; sleep " + marker), command("echo never")));
        execute(run);
        await().atMost(Duration.ofSeconds(30)).until(() -> processesWith(marker) >= 1);

        awaitStatus(run, "failed");

        assertThat(column(run, "error_code")).isEqualTo("time_limit_exceeded");
        assertThat(column(run, "error_message"))
                .contains("wall-time limit of 5s")
                .contains("RUNNER_MAX_RUN_SECONDS");
        await().atMost(Duration.ofSeconds(30)).until(() -> processesWith(marker) == 0);
        assertThat(logLines(run)).containsExactly("go");
        JsonNode failed = events(run).getLast();
        assertThat(failed.get("event_type").asString()).isEqualTo("run.failed");
        assertThat(failed.get("payload").get("code").asString()).isEqualTo("time_limit_exceeded");
        assertThat(failed.get("payload").get("maxRunSeconds").asLong()).isEqualTo(LIMIT_SECONDS);
        assertThat(timeHits()).isEqualTo(hitsBefore + 1);

        // The task has used more than the limit by now; its follow-up still gets the whole limit for itself.
        Handle followUp = queue(task, List.of(command("sleep 2; echo still here")));
        execute(followUp);
        awaitStatus(followUp, "completed");
        assertThat(logLines(followUp)).containsExactly("still here");
        assertThat(get("/health", null).status()).isEqualTo(200);
    }

    @Test
    void aRunThatEndsInTimeIsUnaffectedAndItsTimerNeverFires() {
        double hitsBefore = timeHits();
        Handle run = queue(newTask(null), List.of(command("echo quick")));
        execute(run);
        awaitStatus(run, "completed");
        await().atMost(Duration.ofSeconds(30)).until(() -> timeLimits.armed() == 0);
        int events = events(run).size();

        // Past the limit as counted from its start: nothing more happens to the ended run.
        await().during(Duration.ofSeconds(LIMIT_SECONDS + 2))
                .atMost(Duration.ofSeconds(LIMIT_SECONDS + 30))
                .until(() -> events(run).size() == events);
        assertThat(column(run, "status")).isEqualTo("completed");
        assertThat(types(events(run)).getLast()).isEqualTo("run.completed");
        assertThat(timeHits()).isEqualTo(hitsBefore);
    }

    @Test
    void theLimitAlsoStopsADeliveryThatWaitsOnGitHub() throws Exception {
        String repo = "slow-" + UUID.randomUUID().toString().substring(0, 8);
        UUID task = taskOn(repository("acme", repo, "ghp_" + "T1m3L1m1tT0k3nT1m3L1m1tT0k3n000000"), "agent/t", "main");
        CountDownLatch gitHubAnswers = github.holdCreations();
        Handle run = queue(task, config(List.of(command("echo t > t.txt")), "Add t", "Add t", null));
        execute(run);
        await().atMost(Duration.ofSeconds(60)).until(() -> github.held.get() == 1);

        awaitStatus(run, "failed");

        assertThat(column(run, "error_code")).isEqualTo("time_limit_exceeded");
        assertThat(gitHubAnswers.getCount())
                .as("GitHub never answered: the call was abandoned")
                .isOne();
        List<String> types = types(events(run));
        assertThat(types).contains("git.branch.pushed").doesNotContain("git.pr.opened");
        assertThat(types.getLast()).isEqualTo("run.failed");
    }

    @Test
    void theLimitStopsACloneThatHangsInsteadOfWaitingForGitsTimeout() throws Exception {
        HangingClone clone = startHangingClone();

        awaitStatus(clone.run(), "failed"); // well before git's own 10-minute timeout

        assertThat(column(clone.run(), "error_code")).isEqualTo("time_limit_exceeded");
        await().atMost(Duration.ofSeconds(30)).until(() -> processesWith(clone.repo()) == 0);
        List<String> types = types(events(clone.run()));
        assertThat(types).contains("repo.clone.started").doesNotContain("repo.clone.finished", "run.command.started");
        assertThat(types.getLast()).isEqualTo("run.failed");
    }

    @Test
    void aCancelDuringACloneThatHangsCancelsTheRun() throws Exception {
        HangingClone clone = startHangingClone();

        cancel(clone.run());

        awaitStatus(clone.run(), "cancelled");
        await().atMost(Duration.ofSeconds(30)).until(() -> processesWith(clone.repo()) == 0);
        assertThat(types(events(clone.run())).stream().filter(TERMINAL::contains))
                .containsExactly("run.cancelled");
    }

    /** A run whose clone is under way and never ends, and the repository's name (on its processes' command lines). */
    record HangingClone(Handle run, String repo) {}

    /**
     * Starts a run of a repository whose clone never ends: its {@code packed-refs} is a named pipe nobody writes to, so
     * the {@code git upload-pack} the clone starts blocks opening it, as a clone stalled on a network would.
     */
    private HangingClone startHangingClone() throws Exception {
        String repo = "hang-" + UUID.randomUUID().toString().substring(0, 8);
        UUID connection = repository("acme", repo, null);
        Path packedRefs = REMOTES.resolve("acme").resolve(repo + ".git").resolve("packed-refs");
        Files.deleteIfExists(packedRefs);
        assertThat(new ProcessBuilder("mkfifo", packedRefs.toString()).start().waitFor())
                .isZero();
        Handle run = queue(newTask(connection), List.of(command("echo never")));
        execute(run);
        await().atMost(Duration.ofSeconds(30)).until(() -> processesWith(repo) >= 1);
        return new HangingClone(run, repo);
    }

    @Test
    void aCancelThatArrivesWhileTheLimitStopsTheRunChangesNothing() {
        double hitsBefore = timeHits();
        String marker = "stubborn-" + UUID.randomUUID();
        // Ignores TERM: the run takes the whole cancel grace to stop, and the cancel arrives meanwhile.
        Handle run = queue(
                newTask(null),
                List.of(command(
                        "bash -c 'trap \"\" TERM; echo ready; while true; do sleep 0.2; done; echo " + marker + "'")));
        execute(run);
        await().atMost(Duration.ofSeconds(30)).until(() -> logLines(run).contains("ready"));
        await().atMost(Duration.ofSeconds(60)).until(() -> timeHits() > hitsBefore);

        cancel(run);

        awaitStatus(run, "failed");
        assertThat(column(run, "error_code")).as("the first stop signal wins").isEqualTo("time_limit_exceeded");
        await().atMost(Duration.ofSeconds(30)).until(() -> processesWith(marker) == 0);
        assertThat(types(events(run)).stream().filter(TERMINAL::contains)).containsExactly("run.failed");
    }

    private double timeHits() {
        Counter counter = meters.find(RunnerMetrics.SANDBOX_LIMIT_HITS)
                .tag("limit", "time")
                .counter();
        return counter == null ? 0 : counter.count();
    }
}
