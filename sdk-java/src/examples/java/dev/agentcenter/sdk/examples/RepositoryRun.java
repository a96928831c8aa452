package dev.agentcenter.sdk.examples;

import dev.agentcenter.model.CommandSpec;
import dev.agentcenter.model.CreateRepoConnectionRequest;
import dev.agentcenter.model.CreateRunRequest;
import dev.agentcenter.model.CreateTaskRequest;
import dev.agentcenter.model.CreateWorkspaceRequest;
import dev.agentcenter.model.ExecutionConfig;
import dev.agentcenter.model.RepoConnection;
import dev.agentcenter.model.RepoConnectionTestResult;
import dev.agentcenter.model.Run;
import dev.agentcenter.model.RunDiff;
import dev.agentcenter.model.RunEvent;
import dev.agentcenter.model.Task;
import dev.agentcenter.model.Workspace;
import dev.agentcenter.sdk.AgentCenterClient;
import dev.agentcenter.sdk.RunEventStream;
import java.util.List;

/**
 * A repository-backed run: connect a GitHub repository, create a task that works on a new branch of it, follow the
 * run live and print the diff it made. The token ({@code GITHUB_TOKEN}) is stored encrypted by the server and never
 * returned.
 *
 * <pre>{@code GITHUB_TOKEN=… ./mvnw -q -pl sdk-java exec:java \
 *     -Dexec.mainClass=dev.agentcenter.sdk.examples.RepositoryRun -Dexec.args="<owner> <repo> [baseBranch]"}</pre>
 */
public final class RepositoryRun {

    private RepositoryRun() {}

    /**
     * Runs a command against a branch of the repository.
     *
     * @param args owner, repository and optionally the base branch (default {@code main})
     */
    public static void main(String[] args) {
        if (args.length < 2) {
            System.err.println("usage: RepositoryRun <owner> <repo> [baseBranch]");
            System.exit(2);
        }
        String baseBranch = args.length > 2 ? args[2] : "main";
        try (AgentCenterClient client = Examples.client()) {
            Workspace workspace = client.workspaces()
                    .create(new CreateWorkspaceRequest("repo-demo-" + System.currentTimeMillis(), "Repo demo", null, null));
            RepoConnection repo = client.repoConnections()
                    .create(new CreateRepoConnectionRequest(
                            workspace.id(),
                            null,
                            "github",
                            args[0],
                            args[1],
                            baseBranch,
                            System.getenv("GITHUB_TOKEN"),
                            null));
            RepoConnectionTestResult access = client.repoConnections().test(repo.id());
            System.out.println("repository " + repo.owner() + "/" + repo.repo() + ": " + access);

            ExecutionConfig config = new ExecutionConfig(
                    List.of(new CommandSpec("date -u > last-run.txt && git status --short", null, null, null)),
                    null,
                    null,
                    "Record the time of the last run",
                    null,
                    null);
            Task task = client.tasks()
                    .create(new CreateTaskRequest(
                            workspace.id(),
                            null,
                            repo.id(),
                            null,
                            "Stamp the repository",
                            null,
                            null,
                            null,
                            config,
                            baseBranch,
                            "agent-center/stamp-" + System.currentTimeMillis(),
                            null));
            Run run = client.runs().create(new CreateRunRequest(task.id(), null, null));
            System.out.println("run " + run.id() + " on branch " + task.branchName());

            try (RunEventStream events = client.runs().stream(run.id())) {
                while (events.hasNext()) {
                    RunEvent event = events.next();
                    System.out.printf("[%d %s] %s%n", event.sequence(), event.eventType(), event.message());
                }
            }
            Run done = client.runs().get(run.id());
            System.out.println("run ended " + done.status());
            RunDiff diff = client.runs().diff(run.id());
            System.out.println(diff.available() ? diff.patch() : "(no diff stored)");
        }
    }
}
