package dev.agentcenter.runner.agent;

import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * Turns one agent CLI's JSON output, object by object, into {@code agent.*} events. Called from one thread, in output
 * order.
 */
interface AgentStream {

    /** The events for one JSON object the agent printed (often none). */
    List<AgentEvent> accept(JsonNode message);

    /** The agent's session (Codex thread, Claude session) id, once the stream has named it; else {@code null}. */
    String sessionId();

    /** Why the agent failed according to its own stream ({@code turn.failed}, an error result), or {@code null}. */
    String failure();
}
