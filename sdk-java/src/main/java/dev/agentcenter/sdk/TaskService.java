package dev.agentcenter.sdk;

import dev.agentcenter.model.CancelRequest;
import dev.agentcenter.model.CreateTaskRequest;
import dev.agentcenter.model.FollowUpRequest;
import dev.agentcenter.model.Page;
import dev.agentcenter.model.Run;
import dev.agentcenter.model.Task;
import dev.agentcenter.model.UpdateTaskRequest;
import java.util.UUID;

/**
 * Tasks ({@code /api/tasks}). Creating a task does not start it: queue a run with {@link RunService#create}.
 */
public final class TaskService {

    private static final String PATH = "/api/tasks";
    private final Transport transport;

    TaskService(Transport transport) {
        this.transport = transport;
    }

    /**
     * Creates a task (without running it).
     *
     * @param request workspace, title, prompt and/or commands, and optional repository settings
     * @return the new task, status {@code pending}
     * @throws BadRequestException if the request is invalid
     * @throws NotFoundException if a referenced workspace, project or connection does not exist
     */
    public Task create(CreateTaskRequest request) {
        return transport.call("POST", PATH, null, request, false, Task.class);
    }

    /**
     * Reads a task, with a summary of its latest run.
     *
     * @param id the task id
     * @return the task
     * @throws NotFoundException if there is no such task
     */
    public Task get(UUID id) {
        return transport.call("GET", PATH + "/" + id, null, null, true, Task.class);
    }

    /**
     * One page of tasks, newest first. Archived tasks are hidden unless asked for.
     *
     * @param params filters and paging
     * @return the page
     */
    public Page<Task> list(TaskListParams params) {
        return transport.call("GET", PATH, params.query(), null, true, transport.type(Page.class, Task.class));
    }

    /**
     * Every matching task, fetching pages as needed.
     *
     * @param params filters and page size
     * @return a lazy iterable over all matching tasks
     */
    public AutoPager<Task> iterate(TaskListParams params) {
        return new AutoPager<>(cursor -> list(params.withCursor(cursor != null ? cursor : params.cursor())));
    }

    /**
     * Changes the fields that are set in the request (including archiving).
     *
     * @param id the task id
     * @param request the fields to change
     * @return the updated task
     * @throws NotFoundException if there is no such task
     */
    public Task update(UUID id, UpdateTaskRequest request) {
        return transport.call("PATCH", PATH + "/" + id, null, request, true, Task.class);
    }

    /**
     * The runs of a task, newest first.
     *
     * @param id the task id
     * @return the runs
     * @throws NotFoundException if there is no such task
     */
    public Page<Run> runs(UUID id) {
        return transport.call(
                "GET", PATH + "/" + id + "/runs", null, null, true, transport.type(Page.class, Run.class));
    }

    /**
     * Queues the next run of a task, continuing in the same workspace (and agent session). Not retried after it was
     * sent, since a second one would queue a second run.
     *
     * @param id the task id
     * @param request the follow-up prompt and optional commands
     * @return the queued run
     * @throws NotFoundException if there is no such task
     * @throws ConflictException if the task has an active run ({@code task_has_active_run})
     */
    public Run followUp(UUID id, FollowUpRequest request) {
        return transport.call("POST", PATH + "/" + id + "/follow-ups", null, request, false, Run.class);
    }

    /**
     * Cancels the task's active run. Accepted (202) at once; the run ends {@code cancelled} shortly after. Safe to
     * repeat, so it is retried like a read.
     *
     * @param id the task id
     * @param reason why, or {@code null}
     * @return the run being cancelled
     * @throws NotFoundException if there is no such task
     * @throws ConflictException if the task has no active run
     */
    public Run cancel(UUID id, String reason) {
        return transport.call("POST", PATH + "/" + id + "/cancel", null, new CancelRequest(reason), true, Run.class);
    }
}
