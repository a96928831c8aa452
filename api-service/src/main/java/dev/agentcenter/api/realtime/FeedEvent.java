package dev.agentcenter.api.realtime;

import dev.agentcenter.model.RunEvent;
import dev.agentcenter.model.RunEventTypes;
import java.nio.charset.StandardCharsets;

/**
 * A run event as the fan-out passes it around: serialized once, however many clients receive it.
 *
 * @param json the {@link RunEvent} as JSON
 * @param bytes what it weighs in the tail and in outboxes: its JSON in UTF-8, measured once
 */
record FeedEvent(long sequence, String eventType, String json, int bytes) {

    FeedEvent(long sequence, String eventType, String json) {
        this(sequence, eventType, json, json.getBytes(StandardCharsets.UTF_8).length);
    }

    boolean terminal() {
        return RunEventTypes.terminal(eventType);
    }
}
