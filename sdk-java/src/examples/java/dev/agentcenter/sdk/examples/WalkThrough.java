package dev.agentcenter.sdk.examples;

import dev.agentcenter.model.CommandSpec;
import dev.agentcenter.model.CreateRunRequest;
import dev.agentcenter.model.CreateTaskRequest;
import dev.agentcenter.model.CreateWorkspaceRequest;
import dev.agentcenter.model.ExecutionConfig;
import dev.agentcenter.model.LogLine;
import dev.agentcenter.model.Run;
import dev.agentcenter.model.RunEvent;
import dev.agentcenter.model.Task;
import dev.agentcenter.model.Workspace;
import dev.agentcenter.sdk.AgentCenterClient;
import java.time.Duration;
import java.util.List;

/**
 * The README's curl walk-through in Java: create a workspace and a task, queue a run, wait for it, then read its
 * events and output.
 *
 * <pre>{@code ./mvnw -q -pl sdk-java exec:java -Dexec.mainClass=dev.agentcenter.sdk.examples.WalkThrough}</pre>
 */
public final class WalkThrough {

    private WalkThrough() {}

    /**
     * Runs the walk-through against {@code AGENT_CENTER_URL}.
     *
     * @param args not used
     */
    public static void main(String[] args) {
        try (AgentCenterClient client = Examples.client()) {
            Workspace workspace = client.workspaces()
                    .create(new CreateWorkspaceRequest(
                            "demo-" + System.currentTimeMillis(), "Demo", "made by WalkThrough.java", null));
            System.out.println("workspace " + workspace.id() + " (" + workspace.slug() + ")");

            Task task = client.tasks()
                    .create(new CreateTaskRequest(
                            workspace.id(),
                            null,
                            null,
                            null,
                            "Say hello",
                            null,
                            null,
                            null,
                            ExecutionConfig.ofCommands(List.of(
                                    new CommandSpec("echo hello from $((40 + 2))", null, null, null),
                                    new CommandSpec("uname -a", null, null, null))),
                            null,
                            null,
                            null));
            System.out.println("task " + task.id() + " " + task.status());

            Run run = client.runs().create(new CreateRunRequest(task.id(), null, null));
            System.out.println("run " + run.id() + " " + run.status());

            Run done = client.runs().awaitCompletion(run.id(), Duration.ofMinutes(5));
            System.out.println("run ended " + done.status() + " (exit code " + done.exitCode() + ")");

            for (RunEvent event : client.runs().iterateEvents(run.id())) {
                System.out.printf("%4d %-24s %s%n", event.sequence(), event.eventType(), event.message());
            }
            System.out.println("--- output ---");
            for (LogLine line : client.runs().iterateLogs(run.id())) {
                System.out.println(line.line());
            }
        }
    }
}
