package dev.agentcenter.runner.agent;

import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * Turns one agent CLI's JSON output, object by object, into {@code agent.*} events. Called from one thread, in output
 * order; {@link #afterExit()} once the CLI has ended.
 */
interface AgentStream {

    /** The events for one JSON object the agent printed (often none). */
    List<AgentEvent> accept(JsonNode message);

    /** The agent's session (Codex thread, Claude session) id, once the stream has named it; else {@code null}. */
    String sessionId();

    /**
     * Why the agent failed according to its own stream, or {@code null}: its final word (Codex {@code
     * turn.failed}, Claude Code's error result or API error), not a retry notice along the way.
     */
    String failure();

    /** {@code agent_auth_failed} when the failure is the provider refusing the credential; else {@code null}. */
    default String failureCode() {
        return null;
    }

    /**
     * True once the stream shows a failure the CLI would only retry for minutes without any chance of success (a
     * refused key): the runner then stops the CLI and fails the run with {@link #failure()}.
     */
    default boolean stopRequested() {
        return false;
    }

    /** How many tool calls a sandbox or a permission mode refused so far ({@code agent.permission_denied} events). */
    int permissionDenials();

    /** Events that can only be known once the CLI has ended (Codex's sandbox denials, from its session file). */
    default List<AgentEvent> afterExit() {
        return List.of();
    }
}
