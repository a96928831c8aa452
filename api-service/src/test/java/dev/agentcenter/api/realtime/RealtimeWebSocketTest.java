package dev.agentcenter.api.realtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class RealtimeWebSocketTest extends RealtimeTestSupport {

    private static final Duration LONG = Duration.ofSeconds(90);

    @Test
    void tenThousandEventsArriveInOrderExactlyOnceWhileTheyAreAppended() {
        UUID run = newRun();
        WsClient client = connect();
        client.keepEvents = true;
        client.subscribe(run, null);
        JsonNode subscribed = client.next();
        assertThat(subscribed.get("type").asString()).isEqualTo("subscribed");
        assertThat(subscribed.get("runId").asString()).isEqualTo(run.toString());

        long last = 0;
        for (int batch = 0; batch < 20; batch++) {
            last = append(run, 500);
        }
        assertThat(last).isEqualTo(10_001);
        long expected = last;
        await().atMost(LONG).until(() -> client.count() >= expected);
        assertThat(client.sequences()).isEqualTo(range(1, expected));

        JsonNode first = client.events().getFirst();
        assertThat(first.get("runId").asString()).isEqualTo(run.toString());
        JsonNode event = first.get("event");
        assertThat(event.propertyNames())
                .containsExactlyInAnyOrder(
                        "runId", "sequence", "eventType", "level", "message", "payload", "createdAt");
        assertThat(event.get("eventType").asString()).isEqualTo("run.created");
        JsonNode line = client.events().get(1).get("event");
        assertThat(line.get("eventType").asString()).isEqualTo("run.log");
        assertThat(line.get("level").asString()).isEqualTo("info");
        assertThat(line.get("message").asString()).isEqualTo("line 0");
        assertThat(line.get("payload").get("stream").asString()).isEqualTo("stdout");
    }

    @Test
    void aDroppedClientResumesFromTheLastSequenceItSawWithNoGapAndNoDuplicate() throws Exception {
        UUID run = newRun();
        WsClient first = connect();
        first.subscribe(run, null);
        assertThat(first.next().get("type").asString()).isEqualTo("subscribed");

        CompletableFuture<Long> firstHalf = CompletableFuture.supplyAsync(() -> {
            long last = 0;
            for (int batch = 0; batch < 20; batch++) {
                last = append(run, 100);
            }
            return last;
        });
        await().atMost(LONG).until(() -> first.count() >= 500);
        List<Long> seen = first.drop();
        long resumeFrom = seen.getLast();
        firstHalf.get();
        // the rest is written while the client reconnects, so it gets a backlog and then live events
        CompletableFuture<Long> writer = CompletableFuture.supplyAsync(() -> {
            long last = 0;
            for (int batch = 0; batch < 20; batch++) {
                last = append(run, 100);
            }
            return last;
        });

        WsClient second = connect();
        second.subscribe(run, resumeFrom);
        assertThat(second.next().get("type").asString()).isEqualTo("subscribed");
        long last = writer.get();
        await().atMost(LONG).until(() -> second.lastSequence() >= last);

        assertThat(seen).isEqualTo(range(1, resumeFrom));
        assertThat(second.sequences()).isEqualTo(range(resumeFrom + 1, last));
    }

    @Test
    void aSubscriberJoiningInTheMiddleOfConcurrentWritesGetsEveryLaterEventOnce() throws Exception {
        UUID run = newRun();
        CompletableFuture<Long> writer = CompletableFuture.supplyAsync(() -> {
            long last = 0;
            for (int batch = 0; batch < 60; batch++) {
                last = append(run, 50);
            }
            return last;
        });
        await().atMost(LONG).until(() -> lastSequence(run) >= 1_000 || writer.isDone());

        WsClient client = connect();
        client.subscribe(run, 500L);
        assertThat(client.next().get("type").asString()).isEqualTo("subscribed");
        long last = writer.get();
        await().atMost(LONG).until(() -> client.lastSequence() >= last);
        assertThat(client.sequences()).isEqualTo(range(501, last));
    }

    @Test
    void badMessagesGetAnErrorAndTheSessionStaysOpen() {
        WsClient client = connect();

        client.send("{not json");
        assertError(client.next(), "malformed_json");
        client.send(Map.of("type", "subscribe_everything"));
        assertError(client.next(), "unknown_type");
        client.send(Map.of("runId", UUID.randomUUID().toString()));
        assertError(client.next(), "invalid_message");
        client.send(Map.of("type", "subscribe_run", "runId", "not-a-uuid"));
        assertError(client.next(), "invalid_run_id");
        client.send(Map.of("type", "subscribe_run"));
        assertError(client.next(), "invalid_run_id");
        client.send(Map.of("type", "unsubscribe_run", "runId", 42));
        assertError(client.next(), "invalid_run_id");
        UUID missing = UUID.randomUUID();
        client.send(Map.of("type", "subscribe_run", "runId", missing.toString()));
        JsonNode notFound = client.next();
        assertError(notFound, "run_not_found");
        assertThat(notFound.get("message").asString()).contains(missing.toString());
        client.send(Map.of("type", "subscribe_run", "runId", newRun().toString(), "afterSequence", -1));
        assertError(client.next(), "invalid_after_sequence");

        client.send(Map.of("type", "ping"));
        assertThat(client.next().get("type").asString()).isEqualTo("pong");
        assertThat(client.closed).isNotDone();
    }

    @Test
    void unsubscribedRunsSendNothingMore() {
        UUID run = newRun();
        WsClient client = connect();
        client.subscribe(run, null);
        assertThat(client.next().get("type").asString()).isEqualTo("subscribed");
        await().atMost(LONG).until(() -> client.count() == 1);
        client.send(Map.of("type", "unsubscribe_run", "runId", run.toString()));
        client.send(Map.of("type", "ping"));
        assertThat(client.next().get("type").asString()).isEqualTo("pong");
        append(run, 5);
        // a second run, appended after the first, proves delivery happened in the meantime
        UUID other = newRun();
        client.subscribe(other, null);
        assertThat(client.next().get("type").asString()).isEqualTo("subscribed");
        append(other, 3);
        await().atMost(LONG).until(() -> client.count() == 5);
        assertThat(client.sequences()).containsExactly(1L, 1L, 2L, 3L, 4L);
    }

    @Test
    void twoHundredSubscribersOfOneRunAllGetEveryEvent() {
        UUID run = newRun();
        List<WsClient> clients = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            WsClient client = connect();
            client.subscribe(run, null);
            clients.add(client);
        }
        for (WsClient client : clients) {
            assertThat(client.next().get("type").asString()).isEqualTo("subscribed");
        }
        long reads = feedReads();
        long last = 0;
        for (int batch = 0; batch < 10; batch++) {
            last = append(run, 100);
        }
        long expected = last;
        await().atMost(LONG).until(() -> clients.stream().allMatch(c -> c.lastSequence() >= expected));
        for (WsClient client : clients) {
            assertThat(client.sequences()).isEqualTo(range(1, expected));
        }
        // one read per notification (at most), not one per subscriber
        assertThat(feedReads() - reads).isLessThanOrEqualTo(20);
    }

    @Test
    void deliveryContinuesWithNothingLostWhenTheListenConnectionIsKilled() {
        UUID run = newRun();
        WsClient client = connect();
        client.subscribe(run, null);
        assertThat(client.next().get("type").asString()).isEqualTo("subscribed");
        append(run, 10);
        await().atMost(LONG).until(() -> client.count() == 11);
        long connects = listenerConnects();

        Integer killed = db.sql("""
                        SELECT count(pg_terminate_backend(pid))::int FROM pg_stat_activity
                         WHERE application_name = 'agent-center-api-realtime'""").query(Integer.class).single();
        assertThat(killed).isGreaterThanOrEqualTo(1);
        // appended while the listener is down or reconnecting: their notifications are lost, the resync reads them
        long last = 0;
        for (int batch = 0; batch < 5; batch++) {
            last = append(run, 10);
        }
        await().atMost(LONG).until(() -> listenerConnects() > connects);
        last = Math.max(last, append(run, 10));
        long expected = last;
        await().atMost(LONG).until(() -> client.lastSequence() >= expected);
        assertThat(client.sequences()).isEqualTo(range(1, expected));
    }

    @Test
    void tasksChangedIsSentForNewTasksAndForRunStatusChanges() {
        WsClient client = connect();
        client.send(Map.of("type", "subscribe_tasks"));
        client.send(Map.of("type", "ping"));
        assertThat(client.next().get("type").asString()).isEqualTo("pong");

        UUID task = newTask();
        awaitTasksChanged(client, task);

        UUID run = post("/api/runs", Map.of("taskId", task)).expect(201).id();
        awaitTasksChanged(client, task);
        // notifications arrive in commit order: once the fence's arrives, every earlier one has been handled
        UUID fence = newTask();
        awaitTasksChanged(client, fence);

        send("POST", "/api/runs/" + run + "/cancel", "{}").expect(202);
        awaitTasksChanged(client, task);
    }

    private void awaitTasksChanged(WsClient client, UUID task) {
        while (true) {
            JsonNode message = client.next();
            assertThat(message.get("type").asString()).isEqualTo("tasks_changed");
            if (message.get("taskId").asString().equals(task.toString())) {
                return;
            }
        }
    }

    private long feedReads() {
        return get("/api/realtime/stats").expect(200).body().get("feedReads").asLong();
    }

    private long listenerConnects() {
        return get("/api/realtime/stats")
                .expect(200)
                .body()
                .get("listenerConnects")
                .asLong();
    }

    private static void assertError(JsonNode message, String code) {
        assertThat(message.get("type").asString()).isEqualTo("error");
        assertThat(message.get("code").asString()).isEqualTo(code);
        assertThat(message.get("message").asString()).isNotBlank();
    }
}
