package dev.agentcenter.api.realtime;

import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import org.springframework.web.socket.CloseStatus;
import org.springframework.web.socket.TextMessage;
import org.springframework.web.socket.WebSocketSession;
import org.springframework.web.socket.handler.TextWebSocketHandler;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code /ws} (SPEC §3). Every message to a client, events and answers alike, goes through that client's
 * {@link Outbox}, which is the only writer of its session; errors go to the client that caused them and leave the
 * session open.
 */
@Component
class RealtimeWebSocketHandler extends TextWebSocketHandler {

    /** Close code for a client that fell too far behind; it reconnects and resumes with afterSequence. */
    static final CloseStatus TOO_SLOW = new CloseStatus(4008, "too slow: resume with afterSequence");

    private static final Logger log = LoggerFactory.getLogger(RealtimeWebSocketHandler.class);
    private static final String CLIENT = "agentCenterClient";

    private final RealtimeHub hub;
    private final ObjectMapper json;
    private final RealtimeProperties properties;

    private final RealtimeMetrics metrics;

    RealtimeWebSocketHandler(
            RealtimeHub hub, ObjectMapper json, RealtimeProperties properties, RealtimeMetrics metrics) {
        this.metrics = metrics;
        this.hub = hub;
        this.json = json;
        this.properties = properties;
    }

    @Override
    public void afterConnectionEstablished(WebSocketSession session) {
        session.getAttributes().put(CLIENT, new Client(session));
        metrics.webSockets().incrementAndGet();
    }

    @Override
    protected void handleTextMessage(WebSocketSession session, TextMessage message) {
        Client client = (Client) session.getAttributes().get(CLIENT);
        JsonNode request;
        try {
            request = json.readTree(message.getPayload());
        } catch (JacksonException e) {
            client.error("malformed_json", "The message is not valid JSON");
            return;
        }
        if (request == null || !request.isObject()) {
            client.error("invalid_message", "A message is a JSON object with a \"type\"");
            return;
        }
        JsonNode type = request.get("type");
        if (type == null || !type.isString()) {
            client.error("invalid_message", "A message is a JSON object with a \"type\"");
            return;
        }
        switch (type.asString()) {
            case "subscribe_run" -> subscribeRun(client, request);
            case "unsubscribe_run" -> {
                UUID runId = runId(client, request);
                if (runId != null) {
                    client.unsubscribe(runId);
                }
            }
            case "subscribe_tasks" -> client.watchTasks();
            case "ping" -> client.send(object("pong"));
            default ->
                client.error(
                        "unknown_type",
                        "Unknown message type \"" + type.asString()
                                + "\"; expected subscribe_run, unsubscribe_run, subscribe_tasks or ping");
        }
    }

    @Override
    public void handleTransportError(WebSocketSession session, Throwable exception) {
        log.debug("websocket transport error: {}", exception.toString());
    }

    @Override
    public void afterConnectionClosed(WebSocketSession session, CloseStatus status) {
        Client client = (Client) session.getAttributes().get(CLIENT);
        if (client != null) {
            metrics.webSockets().decrementAndGet();
            client.end();
        }
    }

    private void subscribeRun(Client client, JsonNode request) {
        UUID runId = runId(client, request);
        if (runId == null) {
            return;
        }
        long afterSequence = 0;
        JsonNode after = request.get("afterSequence");
        if (after != null && !after.isNull()) {
            if (!after.isIntegralNumber() || !after.canConvertToLong() || after.asLong() < 0) {
                client.error("invalid_after_sequence", "afterSequence must be a whole number >= 0");
                return;
            }
            afterSequence = after.asLong();
        }
        client.unsubscribe(runId);
        Subscription subscription = new Subscription(runId, afterSequence, client.sinkFor(runId));
        client.subscriptions.put(runId, subscription);
        Optional<RealtimeReads.RunState> state;
        try {
            state = hub.subscribe(
                    subscription, run -> client.send(object("subscribed").put("runId", runId.toString())));
        } catch (RuntimeException e) {
            client.subscriptions.remove(runId, subscription);
            log.warn("subscribing to run {} failed: {}", runId, e.toString());
            client.error("unavailable", "The run's events cannot be read right now; try again");
            return;
        }
        if (state.isEmpty()) {
            client.subscriptions.remove(runId, subscription);
            client.error("run_not_found", "Run " + runId + " does not exist");
        }
    }

    private UUID runId(Client client, JsonNode request) {
        JsonNode value = request.get("runId");
        if (value == null || !value.isString()) {
            client.error("invalid_run_id", "runId is required: the id (UUID) of a run");
            return null;
        }
        try {
            return UUID.fromString(value.asString());
        } catch (IllegalArgumentException e) {
            client.error("invalid_run_id", "runId is not a UUID: " + value.asString());
            return null;
        }
    }

    private ObjectNode object(String type) {
        ObjectNode node = json.createObjectNode();
        node.put("type", type);
        return node;
    }

    /** A message for one client and what it weighs in the outboxes (its UTF-8 bytes, or close to them). */
    private record Outgoing(String text, int bytes) {}

    /** One connected client: its outbox, its run subscriptions, whether it follows tasks. */
    private final class Client {

        private final WebSocketSession session;
        private final Outbox<Outgoing> outbox;
        private final Map<UUID, Subscription> subscriptions = new ConcurrentHashMap<>();
        private final Consumer<UUID> taskWatcher = this::taskChanged;
        private volatile boolean watchingTasks;

        Client(WebSocketSession session) {
            this.session = session;
            this.outbox = new Outbox<>(
                    "ws-" + session.getId(),
                    message -> session.sendMessage(new TextMessage(message.text())),
                    Outgoing::bytes,
                    properties.clientBufferBytes(),
                    hub.outboxBudget(),
                    properties.stuckClientTimeout(),
                    () -> {
                        log.info("closing websocket {}: {}", session.getId(), TOO_SLOW.getReason());
                        end();
                    },
                    () -> closeSession(TOO_SLOW),
                    () -> {
                        end();
                        closeSession(CloseStatus.SERVER_ERROR);
                    });
        }

        void send(ObjectNode message) {
            String text = json.writeValueAsString(message);
            outbox.offer(new Outgoing(text, text.length()));
        }

        void error(String code, String message) {
            ObjectNode error = object("error");
            error.put("message", message);
            error.put("code", code);
            send(error);
        }

        Subscription.Sink sinkFor(UUID runId) {
            String prefix = "{\"type\":\"run_event\",\"runId\":\"" + runId + "\",\"event\":";
            return new Subscription.Sink() {
                @Override
                public boolean send(FeedEvent event) {
                    return outbox.offer(new Outgoing(prefix + event.json() + "}", prefix.length() + event.bytes() + 1));
                }

                @Override
                public boolean hasRoom() {
                    return outbox.hasRoom();
                }

                @Override
                public void awaitRoom() {
                    try {
                        outbox.awaitRoom();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }

                @Override
                public void abort(String reason) {
                    outbox.giveUp(() -> closeSession(new CloseStatus(1011, reason)));
                    end();
                }
            };
        }

        void unsubscribe(UUID runId) {
            Subscription previous = subscriptions.remove(runId);
            if (previous != null) {
                hub.unsubscribe(previous);
            }
        }

        void watchTasks() {
            if (!watchingTasks) {
                watchingTasks = true;
                hub.watchTasks(taskWatcher);
            }
        }

        private void taskChanged(UUID taskId) {
            ObjectNode message = object("tasks_changed");
            if (taskId != null) {
                message.put("taskId", taskId.toString());
            }
            send(message);
        }

        /** Closes the session; only ever on the outbox's writer thread, so no message is half written. */
        private void closeSession(CloseStatus status) {
            try {
                session.close(status);
            } catch (IOException | RuntimeException e) {
                log.debug("closing websocket {} failed: {}", session.getId(), e.toString());
            }
        }

        void end() {
            outbox.close();
            hub.unwatchTasks(taskWatcher);
            subscriptions.values().forEach(hub::unsubscribe);
            subscriptions.clear();
        }
    }
}
