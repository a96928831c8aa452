package dev.agentcenter.sdk.examples;

import dev.agentcenter.model.RunEvent;
import dev.agentcenter.sdk.AgentCenterClient;
import dev.agentcenter.sdk.RunEventStream;
import java.util.UUID;

/**
 * Follows a run live over WebSocket, printing each event as it happens, until the run ends: output lines as they are,
 * a coding agent's reply as it is written ({@code agent.message.delta}), other events with their sequence and type.
 * Reconnects and resumes on its own if the connection drops; pass the last sequence you saw to resume a previous
 * session.
 *
 * <pre>{@code ./mvnw -q -pl sdk-java exec:java -Dexec.mainClass=dev.agentcenter.sdk.examples.FollowRun \
 *     -Dexec.args="<runId> [afterSequence]"}</pre>
 */
public final class FollowRun {

    private FollowRun() {}

    /**
     * Follows one run.
     *
     * @param args the run id, and optionally the last sequence already seen
     */
    public static void main(String[] args) {
        if (args.length < 1) {
            System.err.println("usage: FollowRun <runId> [afterSequence]");
            System.exit(2);
        }
        UUID runId = UUID.fromString(args[0]);
        long after = args.length > 1 ? Long.parseLong(args[1]) : 0;
        try (AgentCenterClient client = Examples.client();
                RunEventStream events = client.runs().stream(runId, after)) {
            boolean streaming = false; // inside an assistant reply printed delta by delta
            while (events.hasNext()) {
                RunEvent event = events.next();
                switch (event.eventType()) {
                    case "run.log" -> System.out.println(event.message());
                    case "agent.message.delta" -> {
                        // A coding agent's reply, as it is written.
                        System.out.print(event.message());
                        System.out.flush();
                        streaming = true;
                    }
                    case "agent.message" -> {
                        // The final text repeats what the deltas printed; without deltas (Codex), print it whole.
                        System.out.println(streaming ? "" : "assistant: " + event.message());
                        streaming = false;
                    }
                    default -> {
                        if (streaming) {
                            System.out.println();
                            streaming = false;
                        }
                        System.out.printf("[%d %s] %s%n", event.sequence(), event.eventType(), event.message());
                    }
                }
            }
            System.out.println("run ended; status " + client.runs().get(runId).status());
        }
    }
}
