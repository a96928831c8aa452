package dev.agentcenter.api.realtime;

import dev.agentcenter.model.RunEvent;

/**
 * A run event as the fan-out passes it around: serialized once, however many clients receive it.
 *
 * @param json the {@link RunEvent} as JSON
 */
record FeedEvent(long sequence, String eventType, String json) {

    boolean terminal() {
        return eventType.equals("run.completed") || eventType.equals("run.failed") || eventType.equals("run.cancelled");
    }
}
