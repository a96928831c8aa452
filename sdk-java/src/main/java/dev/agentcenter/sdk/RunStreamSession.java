package dev.agentcenter.sdk;

import dev.agentcenter.model.RunEvent;
import dev.agentcenter.model.RunEventTypes;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.WebSocket;
import okhttp3.WebSocketListener;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * One run's live stream over {@code /ws}: subscribes from the last sequence seen, delivers each event once and in
 * order, and reconnects with backoff whenever the connection drops before the terminal event.
 */
final class RunStreamSession implements Subscription {

    /** Close code the server uses for a client that fell too far behind; it is resumed at once. */
    static final int SLOW_CLIENT = 4008;

    private final Transport transport;
    private final OkHttpClient webSockets;
    private final ScheduledExecutorService scheduler;
    private final UUID runId;
    private final RunEventListener listener;
    private final int maxReconnects;
    private final Runnable onClosed;

    /** Guards the connection state below; never held while calling the listener. */
    private final Object lock = new Object();

    private WebSocket socket;
    private int generation;
    private int failures;

    /** Guards delivery: dedup against, and update of, {@link #lastSequence}. */
    private final Object delivery = new Object();

    private volatile long lastSequence;
    private volatile boolean closed;

    RunStreamSession(
            Transport transport,
            OkHttpClient webSockets,
            ScheduledExecutorService scheduler,
            UUID runId,
            long afterSequence,
            RunEventListener listener,
            int maxReconnects,
            Runnable onClosed) {
        this.transport = transport;
        this.webSockets = webSockets;
        this.scheduler = scheduler;
        this.runId = runId;
        this.lastSequence = afterSequence;
        this.listener = listener;
        this.maxReconnects = maxReconnects;
        this.onClosed = onClosed;
    }

    void start() {
        connect();
    }

    @Override
    public long lastSequence() {
        return lastSequence;
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    @Override
    public void close() {
        WebSocket current;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            generation++;
            current = socket;
            socket = null;
        }
        if (current != null) {
            current.close(1000, "client closed");
        }
        onClosed.run();
    }

    private void connect() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            int mine = ++generation;
            Request.Builder request = new Request.Builder().url(webSocketUrl());
            transport.authorize(request);
            socket = webSockets.newWebSocket(request.build(), new Handler(mine));
        }
    }

    private HttpUrl webSocketUrl() {
        // OkHttp takes http(s) URLs for WebSockets and upgrades them; ws(s) is only the wire form.
        return transport.url("/ws", null);
    }

    private boolean current(int mine) {
        synchronized (lock) {
            return !closed && mine == generation;
        }
    }

    private final class Handler extends WebSocketListener {
        private final int mine;

        Handler(int mine) {
            this.mine = mine;
        }

        @Override
        public void onOpen(WebSocket webSocket, Response response) {
            Map<String, Object> subscribe = new LinkedHashMap<>();
            subscribe.put("type", "subscribe_run");
            subscribe.put("runId", runId.toString());
            subscribe.put("afterSequence", lastSequence);
            webSocket.send(transport.json.writeValueAsString(subscribe));
        }

        @Override
        public void onMessage(WebSocket webSocket, String text) {
            if (!current(mine)) {
                return;
            }
            JsonNode message;
            try {
                message = transport.json.readTree(text);
            } catch (JacksonException e) {
                return; // not ours to judge; the next good message continues the stream
            }
            switch (message.path("type").asString("")) {
                case "subscribed" -> resetFailures();
                case "run_event" -> onRunEvent(webSocket, message);
                case "error" -> fail(serverError(message));
                default -> {
                    // pong, tasks_changed and future message types are not for this stream
                }
            }
        }

        private void onRunEvent(WebSocket webSocket, JsonNode message) {
            if (!runId.toString().equals(message.path("runId").asString(runId.toString()))) {
                return;
            }
            RunEvent event = transport.json.treeToValue(message.get("event"), RunEvent.class);
            boolean terminal;
            synchronized (delivery) {
                if (!current(mine) || event.sequence() <= lastSequence) {
                    return; // a duplicate, e.g. replayed at a seam: already delivered
                }
                if (event.sequence() > lastSequence + 1) {
                    // A gap should never happen; resubscribing from what we have is always correct.
                    webSocket.cancel();
                    dropped(mine, 0, null);
                    return;
                }
                lastSequence = event.sequence();
                resetFailures();
                try {
                    listener.onEvent(event);
                } catch (RuntimeException | Error listenerBug) {
                    // Reconnecting would not help a listener that throws; stop and say why, once.
                    fail(new AgentCenterException(
                            "run event listener threw on event " + event.sequence() + ": " + listenerBug,
                            0,
                            "listener_failed",
                            null,
                            List.of(),
                            listenerBug));
                    return;
                }
                terminal = RunEventTypes.terminal(event.eventType());
                if (terminal && current(mine)) {
                    close();
                    listener.onEnd(event);
                }
            }
        }

        @Override
        public void onClosing(WebSocket webSocket, int code, String reason) {
            webSocket.close(1000, null);
        }

        @Override
        public void onClosed(WebSocket webSocket, int code, String reason) {
            dropped(mine, code, null);
        }

        @Override
        public void onFailure(WebSocket webSocket, Throwable t, Response response) {
            if (response != null && response.code() != 101) {
                AgentCenterException refused = response.code() < 400
                        // Answered, but not upgraded (a web UI's fallback page, say): there is no stream here.
                        ? new NotFoundException(
                                "no WebSocket endpoint at " + webSocketUrl() + " (HTTP " + response.code() + ")",
                                404,
                                "websocket_unavailable",
                                response.header("X-Request-Id"),
                                List.of(),
                                t)
                        : transport.error(response);
                // A server that cannot or will not stream (no /ws, bad token) will not change its mind on retry.
                if (refused.status() < 500 && refused.status() != 429 && current(mine)) {
                    fail(refused);
                    return;
                }
            }
            dropped(mine, 0, t);
        }
    }

    private void resetFailures() {
        synchronized (lock) {
            failures = 0;
        }
    }

    private void dropped(int mine, int closeCode, Throwable cause) {
        Duration delay;
        synchronized (lock) {
            if (closed || mine != generation) {
                return;
            }
            socket = null;
            generation++; // nothing more from the old socket counts
            failures++;
            if (failures > maxReconnects) {
                delay = null;
            } else {
                delay = closeCode == SLOW_CLIENT && failures == 1 ? Duration.ZERO : transport.backoff(failures - 1);
            }
        }
        if (delay == null) {
            fail(new ConnectionException(
                    "run " + runId + ": stream lost and " + maxReconnects + " reconnects failed"
                            + (cause == null ? "" : ": " + cause),
                    cause));
            return;
        }
        try {
            scheduler.schedule(this::connect, delay.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException clientClosed) {
            close();
        }
    }

    private void fail(AgentCenterException error) {
        synchronized (lock) {
            if (closed) {
                return;
            }
        }
        close();
        listener.onFailure(error);
    }

    private AgentCenterException serverError(JsonNode message) {
        String code = message.path("code").asString(null);
        String detail = message.path("message").asString("stream error");
        if (code != null && code.endsWith("_not_found")) {
            return new NotFoundException(detail, 404, code, null, List.of(), null);
        }
        if (code != null && (code.equals("unauthorized") || code.equals("authentication_required"))) {
            return new AuthenticationException(detail, 401, code, null, List.of(), null);
        }
        return new AgentCenterException(detail, 0, code, null, List.of(), null);
    }
}
