package dev.agentcenter.api.task;

import dev.agentcenter.api.run.RunCancellation;
import dev.agentcenter.api.run.RunQueue;
import dev.agentcenter.api.run.RunStore;
import dev.agentcenter.api.web.ApiException;
import dev.agentcenter.api.web.PageQuery;
import dev.agentcenter.model.CancelRequest;
import dev.agentcenter.model.CreateTaskRequest;
import dev.agentcenter.model.ExecutionConfig;
import dev.agentcenter.model.FollowUpRequest;
import dev.agentcenter.model.Page;
import dev.agentcenter.model.Run;
import dev.agentcenter.model.Task;
import dev.agentcenter.model.TaskStatus;
import dev.agentcenter.model.UpdateTaskRequest;
import jakarta.validation.Valid;
import java.net.URI;
import java.util.Arrays;
import java.util.Locale;
import java.util.UUID;
import java.util.stream.Collectors;
import org.springframework.http.ResponseEntity;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

@RestController
@RequestMapping("/api/tasks")
class TaskController {

    private final TaskStore tasks;
    private final RunStore runs;
    private final RunQueue queue;
    private final RunCancellation cancellation;

    TaskController(TaskStore tasks, RunStore runs, RunQueue queue, RunCancellation cancellation) {
        this.tasks = tasks;
        this.runs = runs;
        this.queue = queue;
        this.cancellation = cancellation;
    }

    /** Newest first; archived tasks are hidden unless {@code archived=include|only}. */
    @GetMapping
    Page<Task> list(
            @RequestParam(required = false) UUID workspaceId,
            @RequestParam(required = false) UUID projectId,
            @RequestParam(required = false) String status,
            @RequestParam(defaultValue = "exclude") String archived,
            @RequestParam(required = false) Integer limit,
            @RequestParam(required = false) String cursor) {
        return tasks.list(
                workspaceId,
                projectId,
                status == null ? null : parse(TaskStatus.class, "status", status),
                parse(TaskStore.Archived.class, "archived", archived),
                PageQuery.of(limit, cursor));
    }

    /** Creates a task; it does not start until a run is queued. */
    @PostMapping
    ResponseEntity<Task> create(@Valid @RequestBody CreateTaskRequest request) {
        Task task = tasks.create(request);
        return ResponseEntity.created(URI.create("/api/tasks/" + task.id())).body(task);
    }

    @GetMapping("/{id}")
    Task get(@PathVariable UUID id) {
        return tasks.find(id).orElseThrow(() -> ApiException.notFound("task", id));
    }

    @PatchMapping("/{id}")
    Task update(@PathVariable UUID id, @Valid @RequestBody UpdateTaskRequest request) {
        if (request.title() == null
                && request.prompt() == null
                && request.permissionMode() == null
                && request.policy() == null
                && request.config() == null
                && request.baseBranch() == null
                && request.branchName() == null
                && request.metadata() == null
                && request.archived() == null) {
            throw ApiException.invalidField("body", "must change at least one field");
        }
        return tasks.update(id, request).orElseThrow(() -> ApiException.notFound("task", id));
    }

    /** Every run of the task, latest attempt first. */
    @GetMapping("/{id}/runs")
    Page<Run> runs(@PathVariable UUID id) {
        if (tasks.find(id).isEmpty()) {
            throw ApiException.notFound("task", id);
        }
        return new Page<>(runs.ofTask(id), null);
    }

    /** Queues the next run in the same workspace with a new prompt (and optionally new commands). */
    @PostMapping("/{id}/follow-ups")
    @Transactional
    ResponseEntity<Run> followUp(@PathVariable UUID id, @Valid @RequestBody FollowUpRequest request) {
        Task task = tasks.find(id).orElseThrow(() -> ApiException.notFound("task", id));
        ExecutionConfig config = null;
        if (request.commands() != null) {
            config = ExecutionConfig.normalized(task.config()).withCommands(request.commands());
        }
        Run run = queue.queue(id, "follow_up", request.prompt(), config);
        return ResponseEntity.created(URI.create("/api/runs/" + run.id())).body(run);
    }

    /** Cancels the task's active run (202), 409 {@code task_has_no_active_run} when there is none. */
    @PostMapping("/{id}/cancel")
    ResponseEntity<Run> cancel(@PathVariable UUID id, @Valid @RequestBody(required = false) CancelRequest request) {
        return ResponseEntity.accepted()
                .body(cancellation.cancelActiveRunOf(id, request == null ? null : request.reason()));
    }

    private static <E extends Enum<E>> E parse(Class<E> type, String field, String value) {
        try {
            return Enum.valueOf(type, value.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw ApiException.invalidField(
                    field,
                    "must be one of "
                            + Arrays.stream(type.getEnumConstants())
                                    .map(c -> c.name().toLowerCase(Locale.ROOT))
                                    .collect(Collectors.joining(", ", "[", "]")));
        }
    }
}
