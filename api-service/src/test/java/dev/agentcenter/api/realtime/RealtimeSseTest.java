package dev.agentcenter.api.realtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;
import tools.jackson.databind.JsonNode;

@TestPropertySource(properties = "agent-center.realtime.sse-heartbeat=200ms")
class RealtimeSseTest extends RealtimeTestSupport {

    private static final Duration LONG = Duration.ofSeconds(60);

    private String streamUrl(UUID run) {
        return "http://127.0.0.1:" + port + "/api/runs/" + run + "/events/stream";
    }

    @Test
    void streamsTheBacklogThenLiveEventsAndEndsAfterTheTerminalEvent() {
        UUID run = newRun();
        append(run, 5);
        SseReader stream = new SseReader(streamUrl(run), Map.of());
        assertThat(stream.response.statusCode()).isEqualTo(200);
        assertThat(stream.response.headers().firstValue("Content-Type").orElseThrow())
                .startsWith("text/event-stream");
        await().atMost(LONG).until(() -> stream.ids().size() == 6);
        assertThat(stream.ended).isNotDone();

        append(run, 5);
        long last = append(run, 1, "run.completed");
        await().atMost(LONG).until(stream.ended::isDone);

        assertThat(stream.ids()).isEqualTo(range(1, last));
        List<SseReader.Frame> frames = stream.frames();
        assertThat(frames.getFirst().event()).isEqualTo("run.created");
        assertThat(frames.get(1).event()).isEqualTo("run.log");
        assertThat(frames.getLast().event()).isEqualTo("run.completed");
        JsonNode data = JSON.readTree(frames.get(1).data());
        assertThat(data.get("runId").asString()).isEqualTo(run.toString());
        assertThat(data.get("sequence").asLong()).isEqualTo(2);
        assertThat(data.get("message").asString()).isEqualTo("line 0");
    }

    @Test
    void resumesFromLastEventIdAndFromAfterSequence() {
        UUID run = newRun();
        append(run, 10);
        long last = append(run, 1, "run.failed");

        SseReader resumed = new SseReader(streamUrl(run), Map.of("Last-Event-ID", "4"));
        await().atMost(LONG).until(resumed.ended::isDone);
        assertThat(resumed.ids()).isEqualTo(range(5, last));

        SseReader byParameter = new SseReader(streamUrl(run) + "?afterSequence=9", Map.of());
        await().atMost(LONG).until(byParameter.ended::isDone);
        assertThat(byParameter.ids()).isEqualTo(range(10, last));
    }

    @Test
    void aRunThatAlreadyEndedEndsTheStreamRightAfterTheBacklog() {
        UUID run = newRun();
        send("POST", "/api/runs/" + run + "/cancel", "{}").expect(202);
        long last = lastSequence(run);

        SseReader stream = new SseReader(streamUrl(run), Map.of());
        await().atMost(LONG).until(stream.ended::isDone);
        assertThat(stream.ids()).isEqualTo(range(1, last));

        SseReader caughtUp = new SseReader(streamUrl(run), Map.of("Last-Event-ID", Long.toString(last)));
        await().atMost(LONG).until(caughtUp.ended::isDone);
        assertThat(caughtUp.ids()).isEmpty();
    }

    @Test
    void idleStreamsGetHeartbeatComments() {
        UUID run = newRun();
        SseReader stream = new SseReader(streamUrl(run), Map.of());
        await().atMost(LONG).until(() -> stream.comments() >= 2);
        assertThat(stream.ended).isNotDone();
        append(run, 1, "run.cancelled");
        await().atMost(LONG).until(stream.ended::isDone);
    }

    @Test
    void unknownRunsAndBadResumePointsAreProblems() {
        get("/api/runs/" + UUID.randomUUID() + "/events/stream").expectProblem(404, "run_not_found");
        // what EventSource sends: the problem still comes back as problem+json
        SseReader eventSource = new SseReader(streamUrl(UUID.randomUUID()), Map.of());
        assertThat(eventSource.response.statusCode()).isEqualTo(404);
        assertThat(eventSource.response.headers().firstValue("Content-Type").orElseThrow())
                .startsWith("application/problem+json");
        UUID run = newRun();
        get("/api/runs/" + run + "/events/stream?afterSequence=-1").expectProblem(400, "validation_failed");
    }
}
