package dev.agentcenter.sdk.examples;

import dev.agentcenter.model.RunEvent;
import dev.agentcenter.sdk.AgentCenterClient;
import dev.agentcenter.sdk.RunEventStream;
import java.util.UUID;

/**
 * Follows a run live over WebSocket, printing each event as it happens, until the run ends. Reconnects and resumes
 * on its own if the connection drops; pass the last sequence you saw to resume a previous session.
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
            while (events.hasNext()) {
                RunEvent event = events.next();
                if (event.eventType().equals("run.log")) {
                    System.out.println(event.message());
                } else {
                    System.out.printf("[%d %s] %s%n", event.sequence(), event.eventType(), event.message());
                }
            }
            System.out.println("run ended; status " + client.runs().get(runId).status());
        }
    }
}
