package dev.agentcenter.sdk;

import dev.agentcenter.model.CancelRequest;
import dev.agentcenter.model.CreateRunRequest;
import dev.agentcenter.model.LogLine;
import dev.agentcenter.model.Page;
import dev.agentcenter.model.Run;
import dev.agentcenter.model.RunDiff;
import dev.agentcenter.model.RunEvent;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import okhttp3.OkHttpClient;

/**
 * Runs ({@code /api/runs}): queueing, reading, events, logs, diffs, cancelling, live streams and waiting for the
 * end of a run.
 */
public final class RunService {

    private static final String PATH = "/api/runs";
    private static final Duration FIRST_POLL = Duration.ofMillis(250);
    private static final Duration LONGEST_POLL = Duration.ofSeconds(2);

    private final Transport transport;
    private final OkHttpClient webSockets;
    private final ScheduledExecutorService scheduler;
    private final int streamReconnectAttempts;
    private final Set<RunStreamSession> open = ConcurrentHashMap.newKeySet();

    RunService(Transport transport, ScheduledExecutorService scheduler, int streamReconnectAttempts) {
        this.transport = transport;
        // A stream is quiet while a command thinks: no read timeout, but pings find a dead connection.
        this.webSockets = transport
                .http
                .newBuilder()
                .readTimeout(Duration.ZERO)
                .pingInterval(Duration.ofSeconds(20))
                .build();
        this.scheduler = scheduler;
        this.streamReconnectAttempts = streamReconnectAttempts;
    }

    /**
     * Queues a run of a task. Not retried once sent, since a second request would be refused or queue another run.
     *
     * @param request the task, and optional prompt and config overriding the task's for this run
     * @return the queued run
     * @throws NotFoundException if the task does not exist
     * @throws ConflictException if the task already has an active run ({@code task_has_active_run})
     */
    public Run create(CreateRunRequest request) {
        return transport.call("POST", PATH, null, request, false, Run.class);
    }

    /**
     * Reads a run.
     *
     * @param id the run id
     * @return the run
     * @throws NotFoundException if there is no such run ({@code run_not_found})
     */
    public Run get(UUID id) {
        return transport.call("GET", PATH + "/" + id, null, null, true, Run.class);
    }

    /**
     * The queue: queued runs in the order the worker takes them, each with its {@link Run#waitingFor()} reason.
     *
     * @param workspaceId only this workspace's runs, or {@code null} for all
     * @param limit how many (1–500), or {@code null} for 100
     */
    public Page<Run> queue(UUID workspaceId, Integer limit) {
        Map<String, Object> query = new LinkedHashMap<>();
        if (workspaceId != null) {
            query.put("workspaceId", workspaceId);
        }
        if (limit != null) {
            query.put("limit", limit);
        }
        return transport.call("GET", PATH + "/queue", query, null, true, transport.type(Page.class, Run.class));
    }

    /**
     * One page of runs, newest first.
     *
     * @param params filters and paging
     * @return the page
     */
    public Page<Run> list(RunListParams params) {
        return transport.call("GET", PATH, params.query(), null, true, transport.type(Page.class, Run.class));
    }

    /**
     * Every matching run, fetching pages as needed.
     *
     * @param params filters and page size
     * @return a lazy iterable over all matching runs
     */
    public AutoPager<Run> iterate(RunListParams params) {
        return new AutoPager<>(cursor -> list(params.withCursor(cursor != null ? cursor : params.cursor())));
    }

    /**
     * One page of a run's stored events in sequence order.
     *
     * @param id the run id
     * @param afterSequence only events after this sequence (0 for all)
     * @param limit page size, or {@code null} for the server's default
     * @return the page; its {@code nextCursor} is the last sequence on it, {@code null} on the last page
     * @throws NotFoundException if there is no such run
     */
    public Page<RunEvent> events(UUID id, long afterSequence, Integer limit) {
        return transport.call(
                "GET",
                PATH + "/" + id + "/events",
                sequenceQuery(afterSequence, limit),
                null,
                true,
                transport.type(Page.class, RunEvent.class));
    }

    /**
     * Every stored event of a run, in sequence order, fetching pages as needed. For a run still going, this ends
     * with the last event stored so far; use {@link #stream} to follow it.
     *
     * @param id the run id
     * @return a lazy iterable over the events
     */
    public AutoPager<RunEvent> iterateEvents(UUID id) {
        return new AutoPager<>(cursor -> events(id, cursor == null ? 0 : Long.parseLong(cursor), null));
    }

    /**
     * One page of a run's output lines in sequence order.
     *
     * @param id the run id
     * @param afterSequence only lines of events after this sequence (0 for all)
     * @param limit page size, or {@code null} for the server's default
     * @return the page; its {@code nextCursor} is the last sequence on it, {@code null} on the last page
     * @throws NotFoundException if there is no such run
     */
    public Page<LogLine> logs(UUID id, long afterSequence, Integer limit) {
        return transport.call(
                "GET",
                PATH + "/" + id + "/logs",
                sequenceQuery(afterSequence, limit),
                null,
                true,
                transport.type(Page.class, LogLine.class));
    }

    /**
     * Every stored output line of a run, fetching pages as needed.
     *
     * @param id the run id
     * @return a lazy iterable over the lines
     */
    public AutoPager<LogLine> iterateLogs(UUID id) {
        return new AutoPager<>(cursor -> logs(id, cursor == null ? 0 : Long.parseLong(cursor), null));
    }

    /**
     * The whole output of a run as plain text, one line per output line.
     *
     * @param id the run id
     * @return the text, each line ending with a newline
     * @throws NotFoundException if there is no such run
     */
    public String logText(UUID id) {
        return transport.call("GET", PATH + "/" + id + "/logs", Map.of("format", "text"), null, true, String.class);
    }

    /**
     * The workspace changes of a run, new files included.
     *
     * @param id the run id
     * @return files, stats and unified patch; {@code available=false} until the runner stored them
     * @throws NotFoundException if there is no such run
     */
    public RunDiff diff(UUID id) {
        return transport.call("GET", PATH + "/" + id + "/diff", null, null, true, RunDiff.class);
    }

    /**
     * Cancels a run. Accepted at once; the run ends {@code cancelled} shortly after. Safe to repeat, so it is retried
     * like a read.
     *
     * @param id the run id
     * @param reason why, or {@code null}
     * @return the run being cancelled
     * @throws NotFoundException if there is no such run
     * @throws ConflictException if the run has already ended
     */
    public Run cancel(UUID id, String reason) {
        return transport.call("POST", PATH + "/" + id + "/cancel", null, new CancelRequest(reason), true, Run.class);
    }

    /**
     * Follows a run live from its first event, as a blocking iterator that ends after the terminal event. See
     * {@link RunEventStream}.
     *
     * @param id the run id
     * @return the stream; close it when done with it
     */
    public RunEventStream stream(UUID id) {
        return stream(id, 0);
    }

    /**
     * Follows a run live from after a given sequence, as a blocking iterator that ends after the terminal event.
     *
     * @param id the run id
     * @param afterSequence the last sequence already seen (0 for all events)
     * @return the stream; close it when done with it
     */
    public RunEventStream stream(UUID id, long afterSequence) {
        return new RunEventStream(listener -> stream(id, afterSequence, listener));
    }

    /**
     * Follows a run live over the WebSocket endpoint, calling the listener for every event after
     * {@code afterSequence}: first the stored backlog, then events as they are committed. Reconnects on its own with
     * backoff and resumes from the last sequence delivered, so the listener sees each event exactly once, in order.
     * Returns immediately; the connection is made in the background.
     *
     * @param id the run id
     * @param afterSequence the last sequence already seen (0 for all events)
     * @param listener receives events, the end, or the failure; see {@link RunEventListener} for threading
     * @return the subscription, to close when no longer interested
     */
    public Subscription stream(UUID id, long afterSequence, RunEventListener listener) {
        RunStreamSession[] self = new RunStreamSession[1];
        RunStreamSession session = new RunStreamSession(
                transport,
                webSockets,
                scheduler,
                id,
                afterSequence,
                listener,
                streamReconnectAttempts,
                () -> open.remove(self[0]));
        self[0] = session;
        open.add(session);
        session.start();
        return session;
    }

    /**
     * Waits until a run has ended and returns it. Follows the run's stream; if the stream is not available (a
     * server without WebSocket support, a proxy that refuses upgrades), polls {@code GET /api/runs/{id}} instead.
     *
     * @param id the run id
     * @param timeout how long to wait at most
     * @return the run, in status {@code completed}, {@code failed} or {@code cancelled}
     * @throws NotFoundException if there is no such run
     * @throws AgentCenterTimeoutException if the run has not ended in time (it goes on)
     */
    public Run awaitCompletion(UUID id, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Run run = get(id);
        if (run.status().terminal()) {
            return run;
        }
        CompletableFuture<RunEvent> end = new CompletableFuture<>();
        try (Subscription subscription = stream(id, 0, new RunEventListener() {
            @Override
            public void onEvent(RunEvent event) {}

            @Override
            public void onEnd(RunEvent terminalEvent) {
                end.complete(terminalEvent);
            }

            @Override
            public void onFailure(AgentCenterException error) {
                end.completeExceptionally(error);
            }
        })) {
            end.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new AgentCenterTimeoutException("run " + id + " did not end within " + timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ConnectionException("interrupted while waiting for run " + id, e);
        } catch (ExecutionException streamUnavailable) {
            // Fall through to polling, which also reports an unknown run as NotFoundException.
        }
        // After the terminal event the run row is final too; otherwise this is the fallback.
        Duration pause = FIRST_POLL;
        while (true) {
            run = get(id);
            if (run.status().terminal()) {
                return run;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AgentCenterTimeoutException("run " + id + " did not end within " + timeout);
            }
            Transport.sleep(Duration.ofNanos(Math.min(pause.toNanos(), left)));
            pause = pause.multipliedBy(2).compareTo(LONGEST_POLL) > 0 ? LONGEST_POLL : pause.multipliedBy(2);
        }
    }

    void closeStreams() {
        for (RunStreamSession session : open) {
            session.close();
        }
    }

    private static Map<String, Object> sequenceQuery(long afterSequence, Integer limit) {
        Map<String, Object> query = new LinkedHashMap<>();
        query.put("afterSequence", afterSequence);
        query.put("limit", limit);
        return query;
    }
}
