package dev.agentcenter.api.run;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentcenter.api.ApiTestBase;
import dev.agentcenter.support.ledger.RunEvents;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.JsonNode;

class RunApiTest extends ApiTestBase {

    @Autowired
    RunEvents eventLog;

    @Autowired
    TransactionTemplate transactions;

    private UUID newTask() {
        return post(
                        "/api/tasks",
                        Map.of(
                                "workspaceId",
                                newWorkspace(),
                                "title",
                                "Build",
                                "prompt",
                                "build it",
                                "config",
                                Map.of("commands", List.of(Map.of("command", "echo hi")))))
                .expect(201)
                .id();
    }

    @Test
    void queueingCreatesAttemptOneWithItsFirstEventAndMovesTheTask() {
        UUID task = newTask();

        Answer created = post("/api/runs", Map.of("taskId", task)).expect(201);
        JsonNode run = created.body();
        assertThat(run.get("status").asString()).isEqualTo("queued");
        assertThat(run.get("attempt").asInt()).isEqualTo(1);
        assertThat(run.get("source").asString()).isEqualTo("api");
        assertThat(run.get("prompt").asString()).isEqualTo("build it");
        assertThat(created.header("Location")).isEqualTo("/api/runs/" + created.id());

        JsonNode events =
                get("/api/runs/" + created.id() + "/events").expect(200).body().get("items");
        assertThat(events).hasSize(1);
        assertThat(events.get(0).get("sequence").asLong()).isEqualTo(1);
        assertThat(events.get(0).get("eventType").asString()).isEqualTo("run.created");
        assertThat(events.get(0).get("payload").get("attempt").asInt()).isEqualTo(1);

        JsonNode taskNow = get("/api/tasks/" + task).expect(200).body();
        assertThat(taskNow.get("status").asString()).isEqualTo("queued");
        assertThat(taskNow.get("latestRun").get("id").asString())
                .isEqualTo(created.id().toString());
        assertThat(get("/api/runs?taskId=" + task).expect(200).body().get("items"))
                .hasSize(1);
    }

    @Test
    void thePullRequestARunRecordedShowsOnTheRunAndOnItsTask() {
        UUID task = newTask();
        UUID first = post("/api/runs", Map.of("taskId", task)).expect(201).id();
        JsonNode queued = get("/api/runs/" + first).expect(200).body();
        assertThat(queued.has("pullRequestUrl")).isTrue();
        assertThat(queued.get("pullRequestUrl").isNull()).isTrue();
        assertThat(queued.get("pullRequestNumber").isNull()).isTrue();
        assertThat(get("/api/tasks/" + task)
                        .body()
                        .get("latestRun")
                        .get("pullRequestUrl")
                        .isNull())
                .isTrue();

        // what the runner writes with its git.pr.opened event
        db.sql("""
                        UPDATE runs SET status = 'completed', finished_at = now(),
                                        pull_request_url = 'https://github.com/acme/widgets/pull/12',
                                        pull_request_number = 12
                         WHERE id = :id""").param("id", first).update();

        JsonNode run = get("/api/runs/" + first).expect(200).body();
        assertThat(run.get("pullRequestUrl").asString()).isEqualTo("https://github.com/acme/widgets/pull/12");
        assertThat(run.get("pullRequestNumber").asInt()).isEqualTo(12);
        JsonNode latest = get("/api/tasks/" + task).expect(200).body().get("latestRun");
        assertThat(latest.get("pullRequestUrl").asString()).isEqualTo("https://github.com/acme/widgets/pull/12");
        assertThat(latest.get("pullRequestNumber").asInt()).isEqualTo(12);
        assertThat(get("/api/runs?taskId=" + task)
                        .expect(200)
                        .body()
                        .get("items")
                        .get(0)
                        .get("pullRequestNumber")
                        .asInt())
                .isEqualTo(12);

        // a follow-up that fails before delivering has no pull request of its own, but the task keeps showing it
        UUID second = post("/api/runs", Map.of("taskId", task)).expect(201).id();
        db.sql("UPDATE runs SET status = 'failed', finished_at = now() WHERE id = :id")
                .param("id", second)
                .update();
        assertThat(get("/api/runs/" + second).body().get("pullRequestUrl").isNull())
                .isTrue();
        JsonNode task2 = get("/api/tasks/" + task).expect(200).body();
        assertThat(task2.get("latestRun").get("id").asString()).isEqualTo(second.toString());
        assertThat(task2.get("latestRun").get("pullRequestNumber").asInt()).isEqualTo(12);
        JsonNode listed = get("/api/tasks?workspaceId="
                        + task2.get("workspaceId").asString())
                .expect(200)
                .body()
                .get("items")
                .get(0);
        assertThat(listed.get("latestRun").get("pullRequestUrl").asString())
                .isEqualTo("https://github.com/acme/widgets/pull/12");
    }

    @Test
    void anOverlongPullRequestTitleIsRefused() {
        UUID task = newTask();
        post(
                        "/api/runs",
                        Map.of(
                                "taskId",
                                task,
                                "config",
                                Map.of("commands", List.of(Map.of("command", "true")), "prTitle", "t".repeat(257))))
                .expectProblem(400, "validation_failed");
        assertThat(count("runs WHERE task_id = '" + task + "'")).isZero();
    }

    @Test
    void aSecondActiveRunIsAConflictEvenWhenRequestsRace() throws Exception {
        UUID task = newTask();
        var pool = Executors.newFixedThreadPool(8);
        List<Callable<Integer>> requests = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            requests.add(() -> post("/api/runs", Map.of("taskId", task)).status());
        }
        List<Integer> statuses = new ArrayList<>();
        try {
            for (Future<Integer> answer : pool.invokeAll(requests)) {
                statuses.add(answer.get());
            }
        } finally {
            pool.shutdownNow();
        }

        assertThat(statuses).containsOnly(201, 409);
        assertThat(statuses).filteredOn(s -> s == 201).hasSize(1);
        assertThat(count("runs WHERE task_id = '" + task + "'")).isEqualTo(1);
        post("/api/runs", Map.of("taskId", task)).expectProblem(409, "task_has_active_run");
    }

    @Test
    void cancellingAQueuedRunEndsItAndTheNextRunIsAttemptTwo() {
        UUID task = newTask();
        UUID first = post("/api/runs", Map.of("taskId", task)).expect(201).id();

        JsonNode cancelled = post("/api/runs/" + first + "/cancel", Map.of("reason", "changed my mind"))
                .expect(202)
                .body();
        assertThat(cancelled.get("status").asString()).isEqualTo("cancelled");
        assertThat(cancelled.get("finishedAt").isNull()).isFalse();
        assertThat(get("/api/tasks/" + task).body().get("status").asString()).isEqualTo("cancelled");
        post("/api/runs/" + first + "/cancel", null).expectProblem(409, "run_not_active");
        post("/api/tasks/" + task + "/cancel", null).expectProblem(409, "task_has_no_active_run");

        JsonNode second = post("/api/runs", Map.of("taskId", task, "prompt", "again"))
                .expect(201)
                .body();
        assertThat(second.get("attempt").asInt()).isEqualTo(2);
        assertThat(second.get("prompt").asString()).isEqualTo("again");
        JsonNode runs = get("/api/tasks/" + task + "/runs").expect(200).body().get("items");
        assertThat(runs.valueStream().map(r -> r.get("attempt").asInt())).containsExactly(2, 1);
    }

    @Test
    void cancellingAnActiveRunAsksItsRunnerOnce() {
        UUID task = newTask();
        UUID run = post("/api/runs", Map.of("taskId", task)).expect(201).id();
        db.sql("UPDATE runs SET status = 'running', started_at = now() WHERE id = :id")
                .param("id", run)
                .update();

        JsonNode answer =
                post("/api/tasks/" + task + "/cancel", null).expect(202).body();
        assertThat(answer.get("status").asString()).as("the runner ends it").isEqualTo("running");
        assertThat(answer.get("cancelRequestedAt").isNull()).isFalse();
        post("/api/runs/" + run + "/cancel", null).expect(202);

        List<String> types = get("/api/runs/" + run + "/events")
                .body()
                .get("items")
                .valueStream()
                .map(e -> e.get("eventType").asString())
                .toList();
        assertThat(types).containsExactly("run.created", "run.cancel_requested");
    }

    @Test
    void followUpsQueueTheNextAttemptWithTheirPromptAndCommands() {
        UUID task = newTask();
        UUID first = post("/api/runs", Map.of("taskId", task)).expect(201).id();
        post("/api/tasks/" + task + "/follow-ups", Map.of("prompt", "more")).expectProblem(409, "task_has_active_run");
        db.sql("UPDATE runs SET status = 'completed', finished_at = now() WHERE id = :id")
                .param("id", first)
                .update();

        JsonNode followUp = post(
                        "/api/tasks/" + task + "/follow-ups",
                        Map.of("prompt", "now add tests", "commands", List.of(Map.of("command", "echo tests"))))
                .expect(201)
                .body();
        assertThat(followUp.get("attempt").asInt()).isEqualTo(2);
        assertThat(followUp.get("source").asString()).isEqualTo("follow_up");
        assertThat(followUp.get("prompt").asString()).isEqualTo("now add tests");
        assertThat(followUp.get("config").get("commands").get(0).get("command").asString())
                .isEqualTo("echo tests");

        post("/api/tasks/" + task + "/follow-ups", Map.of()).expectProblem(400, "validation_failed");
        post("/api/tasks/" + UUID.randomUUID() + "/follow-ups", Map.of("prompt", "x"))
                .expectProblem(404, "task_not_found");
    }

    @Test
    void aRunWithNothingToExecuteIsRefused() {
        UUID task = post("/api/tasks", Map.of("workspaceId", newWorkspace(), "title", "empty"))
                .expect(201)
                .id();
        post("/api/runs", Map.of("taskId", task)).expectProblem(422, "nothing_to_run");
        assertThat(count("runs WHERE task_id = '" + task + "'")).isZero();
    }

    @Test
    void eventsAndLogsPageBySequenceAndLogsReadAsText() {
        UUID run = post("/api/runs", Map.of("taskId", newTask())).expect(201).id();
        transactions.executeWithoutResult(status -> {
            for (int i = 1; i <= 5; i++) {
                eventLog.append(
                        run,
                        RunEvents.draft(
                                "run.log",
                                "info",
                                "line " + i,
                                Map.of("stream", i % 2 == 0 ? "stderr" : "stdout", "commandIndex", 0)));
            }
        });

        JsonNode page = get("/api/runs/" + run + "/events?afterSequence=1&limit=3")
                .expect(200)
                .body();
        assertThat(page.get("items").valueStream().map(e -> e.get("sequence").asLong()))
                .containsExactly(2L, 3L, 4L);
        assertThat(page.get("nextCursor").asString()).isEqualTo("4");
        JsonNode rest = get("/api/runs/" + run + "/events?afterSequence=4&limit=3")
                .expect(200)
                .body();
        assertThat(rest.get("items").valueStream().map(e -> e.get("sequence").asLong()))
                .containsExactly(5L, 6L);
        assertThat(rest.get("nextCursor").isNull()).isTrue();

        JsonNode logs = get("/api/runs/" + run + "/logs").expect(200).body().get("items");
        assertThat(logs).hasSize(5);
        assertThat(logs.get(1).get("stream").asString()).isEqualTo("stderr");
        assertThat(logs.get(1).get("line").asString()).isEqualTo("line 2");
        Answer text = get("/api/runs/" + run + "/logs?format=text").expect(200);
        assertThat(text.raw().body()).isEqualTo("line 1\nline 2\nline 3\nline 4\nline 5\n");

        get("/api/runs/" + run + "/events?afterSequence=-1").expectProblem(400, "validation_failed");
        get("/api/runs/" + run + "/events?limit=0").expectProblem(400, "validation_failed");
        get("/api/runs/" + run + "/logs?format=xml").expectProblem(400, "validation_failed");
    }

    @Test
    void eventAndLogPagesEndAtAByteBudgetAndTheCursorSaysWhereToContinue() {
        UUID run = post("/api/runs", Map.of("taskId", newTask())).expect(201).id();
        int lines = 60;
        String big = "x".repeat(100 * 1024);
        transactions.executeWithoutResult(status -> {
            for (int i = 1; i <= lines; i++) {
                eventLog.append(
                        run,
                        RunEvents.draft(
                                "run.log",
                                "info",
                                i + big,
                                Map.of(
                                        "stream",
                                        "stdout",
                                        "commandIndex",
                                        0,
                                        "truncated",
                                        true,
                                        "originalLength",
                                        200_000_000L)));
            }
        });

        // 6 MiB of events: the page the web UI asks for (limit=5000) ends long before, and says where to go on
        for (String kind : List.of("events", "logs")) {
            List<Long> sequences = new java.util.ArrayList<>();
            long after = 0;
            int pages = 0;
            while (true) {
                JsonNode page = get("/api/runs/" + run + "/" + kind + "?afterSequence=" + after + "&limit=5000")
                        .expect(200)
                        .body();
                pages++;
                long bytes = 0;
                for (JsonNode item : page.get("items")) {
                    sequences.add(item.get("sequence").asLong());
                    String text = item.has("message")
                            ? item.get("message").asString()
                            : item.get("line").asString();
                    bytes += text.length();
                }
                assertThat(bytes).as("a page of " + kind).isLessThanOrEqualTo(2 * 1024 * 1024 + big.length() + 8);
                if (page.get("nextCursor").isNull()) {
                    break;
                }
                after = Long.parseLong(page.get("nextCursor").asString());
                assertThat(after).isEqualTo(sequences.getLast());
            }
            long first = kind.equals("events") ? 1 : 2;
            assertThat(sequences)
                    .as(kind + ": every item once, in order")
                    .containsExactlyElementsOf(java.util.stream.LongStream.rangeClosed(first, lines + 1)
                            .boxed()
                            .toList());
            assertThat(pages).as(kind + " pages").isGreaterThan(2);
        }

        JsonNode line = get("/api/runs/" + run + "/logs?limit=1")
                .expect(200)
                .body()
                .get("items")
                .get(0);
        assertThat(line.get("truncated").asBoolean()).isTrue();
        assertThat(line.get("originalLength").asLong()).isEqualTo(200_000_000L);
        JsonNode event = get("/api/runs/" + run + "/events?afterSequence=1&limit=1")
                .expect(200)
                .body()
                .get("items")
                .get(0);
        assertThat(event.get("payload").get("truncated").asBoolean()).isTrue();
        assertThat(event.has("truncated"))
                .as("the marker is in the payload only")
                .isFalse();
        Answer text = get("/api/runs/" + run + "/logs?format=text").expect(200);
        assertThat(text.raw().body().lines().toList())
                .hasSize(lines)
                .allMatch(l -> l.endsWith(" [truncated: 200000000 bytes in all]"));
    }

    @Test
    void diffIsUnavailableUntilTheRunnerStoresIt() {
        UUID run = post("/api/runs", Map.of("taskId", newTask())).expect(201).id();
        assertThat(get("/api/runs/" + run + "/diff")
                        .expect(200)
                        .body()
                        .get("available")
                        .asBoolean())
                .isFalse();

        db.sql("""
                        INSERT INTO run_diffs (run_id, files, stats, patch)
                        VALUES (:id, '[{"path":"new.txt","status":"added","additions":1,"deletions":0}]',
                                '{"filesChanged":1,"additions":1,"deletions":0}', '+hello')""").param("id", run).update();
        JsonNode diff = get("/api/runs/" + run + "/diff").expect(200).body();
        assertThat(diff.get("available").asBoolean()).isTrue();
        assertThat(diff.get("files").get(0).get("path").asString()).isEqualTo("new.txt");
        assertThat(diff.get("stats").get("additions").asInt()).isEqualTo(1);
        assertThat(diff.get("patch").asString()).isEqualTo("+hello");
    }

    @Test
    void unknownAndMalformedIdsAreClearErrors() {
        UUID missing = UUID.randomUUID();
        for (String path : List.of("", "/events", "/logs", "/diff")) {
            get("/api/runs/" + missing + path).expectProblem(404, "run_not_found");
            get("/api/runs/not-a-uuid" + path).expectProblem(400, "invalid_parameter");
        }
        post("/api/runs/" + missing + "/cancel", null).expectProblem(404, "run_not_found");
        post("/api/tasks/" + missing + "/cancel", null).expectProblem(404, "task_not_found");
        long before = count("runs");
        post("/api/runs", Map.of("taskId", missing)).expectProblem(404, "task_not_found");
        post("/api/runs", Map.of("taskId", "x")).expectProblem(400, "validation_failed");
        post("/api/runs", Map.of()).expectProblem(400, "validation_failed");
        post("/api/runs", "{oops").expectProblem(400, "malformed_json");
        assertThat(count("runs")).isEqualTo(before);
    }
}
