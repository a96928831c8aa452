package dev.agentcenter.api.realtime;

import dev.agentcenter.api.web.ApiException;
import dev.agentcenter.model.RunStatus;
import java.io.IOException;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.http.HttpHeaders;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * {@code GET /api/runs/{id}/events/stream}: the run's events as Server-Sent Events ({@code id:} = sequence,
 * {@code event:} = event type, {@code data:} = the event JSON), from the same fan-out as {@code /ws}. Resumes from
 * {@code Last-Event-ID} (or {@code afterSequence}); ends after the run's terminal event, or right after the backlog
 * when the run had already ended.
 */
@RestController
class RunEventStreamController implements DisposableBean {

    /** What the writer thread of one stream does next. */
    private sealed interface Item {
        int size();
    }

    private record Event(FeedEvent event) implements Item {
        public int size() {
            return event.bytes() + 64;
        }
    }

    private record Comment(String text) implements Item {
        public int size() {
            return text.length() + 4;
        }
    }

    private record Complete() implements Item {
        public int size() {
            return 0;
        }
    }

    private final RealtimeHub hub;
    private final RealtimeProperties properties;
    private final ScheduledExecutorService heartbeats = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("sse-heartbeat").factory());

    private final RealtimeMetrics metrics;

    RunEventStreamController(RealtimeHub hub, RealtimeProperties properties, RealtimeMetrics metrics) {
        this.metrics = metrics;
        this.hub = hub;
        this.properties = properties;
    }

    @GetMapping("/api/runs/{id}/events/stream")
    ResponseEntity<SseEmitter> stream(
            @PathVariable UUID id,
            @RequestHeader(name = "Last-Event-ID", required = false) String lastEventId,
            @RequestParam(required = false) Long afterSequence) {
        long after = resumePoint(lastEventId, afterSequence);
        // no timeout: the stream lasts as long as the run; heartbeats keep proxies from cutting it
        SseEmitter emitter = new SseEmitter(0L);
        AtomicBoolean runWasTerminal = new AtomicBoolean();
        Outbox<Item>[] outbox = new Outbox[1];
        Subscription[] subscription = new Subscription[1];
        Runnable end = () -> {
            if (subscription[0] != null) {
                hub.unsubscribe(subscription[0]);
            }
            outbox[0].close();
        };
        outbox[0] = new Outbox<>(
                "sse-" + id,
                item -> write(emitter, item, end),
                Item::size,
                properties.clientBufferBytes(),
                hub.outboxBudget(),
                properties.stuckClientTimeout(),
                end,
                () -> emitter.completeWithError(new IOException("too slow: resume with Last-Event-ID")),
                end);
        subscription[0] = new Subscription(id, after, new Subscription.Sink() {
            @Override
            public boolean send(FeedEvent event) {
                boolean queued = outbox[0].offer(new Event(event));
                if (queued && event.terminal()) {
                    outbox[0].offer(new Complete());
                    return false;
                }
                return queued;
            }

            @Override
            public void caughtUp() {
                if (runWasTerminal.get()) {
                    outbox[0].offer(new Complete());
                }
            }

            @Override
            public boolean hasRoom() {
                return outbox[0].hasRoom();
            }

            @Override
            public void awaitRoom() {
                try {
                    outbox[0].awaitRoom();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }

            @Override
            public void abort(String reason) {
                outbox[0].giveUp(() -> emitter.completeWithError(new IOException(reason)));
                end.run();
            }
        });
        // the status is read after the subscription is registered: if it is terminal, the backlog holds every event
        Optional<RealtimeReads.RunState> state = hub.subscribe(
                subscription[0],
                run -> runWasTerminal.set(RunStatus.fromWire(run.status()).terminal()));
        if (state.isEmpty()) {
            outbox[0].close();
            throw ApiException.notFound("run", id);
        }
        ScheduledFuture<?> heartbeat = heartbeats.scheduleAtFixedRate(
                () -> outbox[0].offer(new Comment("keepalive")),
                properties.sseHeartbeat().toMillis(),
                properties.sseHeartbeat().toMillis(),
                TimeUnit.MILLISECONDS);
        metrics.sseStreams().incrementAndGet();
        AtomicBoolean counted = new AtomicBoolean(true);
        Runnable finish = () -> {
            heartbeat.cancel(false);
            if (counted.getAndSet(false)) {
                metrics.sseStreams().decrementAndGet();
            }
            end.run();
        };
        emitter.onCompletion(finish);
        emitter.onTimeout(finish);
        emitter.onError(e -> finish.run());
        return ResponseEntity.ok()
                .header(HttpHeaders.CACHE_CONTROL, "no-cache")
                .header("X-Accel-Buffering", "no")
                .body(emitter);
    }

    @Override
    public void destroy() {
        heartbeats.shutdownNow();
    }

    private static long resumePoint(String lastEventId, Long afterSequence) {
        if (lastEventId != null && !lastEventId.isBlank()) {
            try {
                long value = Long.parseLong(lastEventId.strip());
                if (value >= 0) {
                    return value;
                }
            } catch (NumberFormatException ignored) {
                // answered below
            }
            throw ApiException.invalidField("Last-Event-ID", "must be the sequence of the last event received");
        }
        if (afterSequence != null && afterSequence < 0) {
            throw ApiException.invalidField("afterSequence", "must be >= 0");
        }
        return afterSequence == null ? 0 : afterSequence;
    }

    private static void write(SseEmitter emitter, Item item, Runnable end) throws IOException {
        switch (item) {
            case Event(FeedEvent event) ->
                emitter.send(SseEmitter.event()
                        .id(Long.toString(event.sequence()))
                        .name(event.eventType() == null || event.eventType().isBlank() ? "message" : event.eventType())
                        .data(event.json()));
            case Comment(String text) -> emitter.send(SseEmitter.event().comment(text));
            case Complete() -> {
                end.run();
                emitter.complete();
            }
        }
    }
}
