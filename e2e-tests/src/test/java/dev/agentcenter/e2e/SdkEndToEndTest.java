package dev.agentcenter.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.agentcenter.model.CommandSpec;
import dev.agentcenter.model.CreateRunRequest;
import dev.agentcenter.model.CreateTaskRequest;
import dev.agentcenter.model.CreateWorkspaceRequest;
import dev.agentcenter.model.ExecutionConfig;
import dev.agentcenter.model.LogLine;
import dev.agentcenter.model.Run;
import dev.agentcenter.model.RunDiff;
import dev.agentcenter.model.RunEvent;
import dev.agentcenter.model.RunStatus;
import dev.agentcenter.model.Runner;
import dev.agentcenter.model.Task;
import dev.agentcenter.model.TaskStatus;
import dev.agentcenter.model.Workspace;
import dev.agentcenter.sdk.AgentCenterClient;
import dev.agentcenter.sdk.BadRequestException;
import dev.agentcenter.sdk.ConflictException;
import dev.agentcenter.sdk.ListParams;
import dev.agentcenter.sdk.NotFoundException;
import dev.agentcenter.sdk.RunEventStream;
import dev.agentcenter.sdk.TaskListParams;
import dev.agentcenter.sdk.examples.WalkThrough;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

/** The Java SDK against the real API, worker and runner processes: what an SDK user sees. */
@ExtendWith(SdkEndToEndTest.PrintLogsOnFailure.class)
class SdkEndToEndTest {

    private static final Duration RUN_TIMEOUT = Duration.ofSeconds(90);

    private static Stack stack;
    private static AgentCenterClient client;
    private static Workspace workspace;

    @BeforeAll
    static void start() throws IOException {
        stack = Stack.start();
        client = AgentCenterClient.builder().baseUrl(stack.apiUrl()).build();
        workspace = client.workspaces().create(new CreateWorkspaceRequest("sdk-e2e", "SDK end to end", null, null));
    }

    @AfterAll
    static void stop() {
        if (client != null) {
            client.close();
        }
        if (stack != null) {
            stack.close();
        }
    }

    private static Task task(String title, String... commands) {
        List<CommandSpec> specs = java.util.Arrays.stream(commands)
                .map(command -> new CommandSpec(command, null, null, null))
                .toList();
        return client.tasks()
                .create(new CreateTaskRequest(
                        workspace.id(),
                        null,
                        null,
                        null,
                        title,
                        null,
                        null,
                        null,
                        ExecutionConfig.ofCommands(specs),
                        null,
                        null,
                        null));
    }

    @Test
    void theCurlWalkThroughThroughTheSdk() {
        assertThat(client.workspaces().get(workspace.id()).slug()).isEqualTo("sdk-e2e");
        assertThat(client.workspaces().iterate(ListParams.builder().limit(1).build()).stream()
                        .map(Workspace::id))
                .contains(workspace.id());

        Task task = task("hello", "echo hello from $((40 + 2))", "echo content > made-by-sdk.txt");
        assertThat(task.status()).isEqualTo(TaskStatus.PENDING);
        Run queued = client.runs().create(new CreateRunRequest(task.id(), null, null));
        assertThat(queued.status()).isEqualTo(RunStatus.QUEUED);

        Run done = client.runs().awaitCompletion(queued.id(), RUN_TIMEOUT);

        assertThat(done.status()).isEqualTo(RunStatus.COMPLETED);
        assertThat(done.exitCode()).isZero();
        List<RunEvent> events = client.runs().iterateEvents(done.id()).stream().toList();
        assertThat(events.getFirst().eventType()).isEqualTo("run.created");
        assertThat(events.getLast().eventType()).isEqualTo("run.completed");
        assertThat(events)
                .extracting(RunEvent::sequence)
                .containsExactlyElementsOf(
                        LongStream.rangeClosed(1, events.size()).boxed().toList());
        // Paging by sequence gives the same events as one big page.
        assertThat(client.runs().events(done.id(), 0, 2).nextCursor()).isEqualTo("2");
        assertThat(client.runs().iterateLogs(done.id()).stream().map(LogLine::line))
                .containsExactly("hello from 42");
        assertThat(client.runs().logText(done.id())).isEqualTo("hello from 42\n");
        RunDiff diff = client.runs().diff(done.id());
        assertThat(diff.available()).isTrue();
        assertThat(client.tasks().get(task.id()).status()).isEqualTo(TaskStatus.COMPLETED);
        assertThat(client.tasks().runs(task.id()).items()).extracting(Run::id).containsExactly(done.id());
        assertThat(client.tasks()
                        .list(TaskListParams.builder()
                                .workspaceId(workspace.id())
                                .status(TaskStatus.COMPLETED)
                                .build())
                        .items())
                .extracting(Task::id)
                .contains(task.id());
        assertThat(client.runners().list().items()).extracting(Runner::name).contains("e2e-runner");
    }

    @Test
    void streamFollowsARunLive() {
        Task task = task("streamed", "for i in $(seq 1 200); do echo line $i; done");
        Run run = client.runs().create(new CreateRunRequest(task.id(), null, null));
        List<RunEvent> events = new ArrayList<>();
        try (RunEventStream stream = client.runs().stream(run.id())) {
            stream.forEachRemaining(events::add);
        }
        assertThat(events)
                .extracting(RunEvent::sequence)
                .containsExactlyElementsOf(
                        LongStream.rangeClosed(1, events.size()).boxed().toList());
        assertThat(events.getLast().eventType()).isEqualTo("run.completed");
        assertThat(events).filteredOn(e -> e.eventType().equals("run.log")).hasSize(200);
    }

    @Test
    void theWalkThroughExampleRuns() {
        System.setProperty("agentcenter.url", stack.apiUrl());
        try {
            WalkThrough.main(new String[0]);
        } finally {
            System.clearProperty("agentcenter.url");
        }
        assertThat(client.workspaces().iterate(ListParams.none()).stream().map(Workspace::description))
                .contains("made by WalkThrough.java");
    }

    @Test
    void unknownRunIsNotFoundWithItsCode() {
        assertThatThrownBy(() -> client.runs().get(UUID.randomUUID()))
                .isInstanceOfSatisfying(NotFoundException.class, e -> {
                    assertThat(e.code()).isEqualTo("run_not_found");
                    assertThat(e.requestId()).isNotBlank();
                });
    }

    @Test
    void invalidRequestIsBadRequestWithFieldErrors() {
        assertThatThrownBy(() -> client.workspaces().create(new CreateWorkspaceRequest("Not A Slug", "x", null, null)))
                .isInstanceOfSatisfying(BadRequestException.class, e -> {
                    assertThat(e.code()).isEqualTo("validation_failed");
                    assertThat(e.fieldErrors())
                            .anySatisfy(error -> assertThat(error.field()).isEqualTo("slug"));
                });
    }

    @Test
    void secondRunOfABusyTaskIsAConflictAndCancelEndsTheFirst() {
        Task task = task("busy", "echo begun; sleep 1000");
        Run first = client.runs().create(new CreateRunRequest(task.id(), null, null));

        assertThatThrownBy(() -> client.runs().create(new CreateRunRequest(task.id(), null, null)))
                .isInstanceOfSatisfying(
                        ConflictException.class, e -> assertThat(e.code()).isEqualTo("task_has_active_run"));

        await().atMost(RUN_TIMEOUT)
                .until(() -> client.runs().logText(first.id()).contains("begun"));
        client.tasks().cancel(task.id(), "enough");
        Run done = client.runs().awaitCompletion(first.id(), RUN_TIMEOUT);
        assertThat(done.status()).isEqualTo(RunStatus.CANCELLED);
    }

    static final class PrintLogsOnFailure implements TestWatcher {
        @Override
        public void testFailed(ExtensionContext context, Throwable cause) {
            if (stack != null) {
                for (Stack.Service service : List.of(stack.api, stack.worker, stack.runner)) {
                    System.out.println("----- " + service.name + " log -----\n" + service.tail());
                }
            }
        }
    }
}
