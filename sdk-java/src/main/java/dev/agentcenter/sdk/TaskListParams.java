package dev.agentcenter.sdk;

import dev.agentcenter.model.TaskStatus;
import java.util.Locale;
import java.util.UUID;

/**
 * Filters and paging for {@link TaskService#list}. Build with {@link #builder()}; every field is optional. Paging and the query live in {@link
 * PageParams}.
 */
public final class TaskListParams extends PageParams<TaskListParams> {

    private TaskListParams(State state) {
        super(state);
    }

    /**
     * Starts building parameters.
     *
     * @return a builder with nothing set
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * No filters, the server's default page size.
     *
     * @return empty parameters
     */
    public static TaskListParams none() {
        return builder().build();
    }

    @Override
    TaskListParams create(State state) {
        return new TaskListParams(state);
    }

    /**
     * The workspaceId filter.
     *
     * @return only tasks of this workspace; {@code null} for none
     */
    public UUID workspaceId() {
        return filter("workspaceId");
    }

    /**
     * The projectId filter.
     *
     * @return only tasks of this project; {@code null} for none
     */
    public UUID projectId() {
        return filter("projectId");
    }

    /**
     * The status filter.
     *
     * @return only tasks with this status; {@code null} for none
     */
    public TaskStatus status() {
        return filter("status");
    }

    /**
     * The archived filter.
     *
     * @return which archived tasks to show; the server hides them by default; {@code null} for none
     */
    public Archived archived() {
        return filter("archived");
    }

    /** Which archived tasks a task list shows. */
    public enum Archived {
        /** Only tasks that are not archived (the server's default). */
        EXCLUDE,
        /** Archived and not archived tasks. */
        INCLUDE,
        /** Only archived tasks. */
        ONLY;

        /**
         * The value used on the wire.
         *
         * @return the lowercase name
         */
        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Builds {@link TaskListParams}. */
    public static final class Builder extends PageParams.Builder<TaskListParams, Builder> {

        private Builder() {
            super(TaskListParams::new, "workspaceId", "projectId", "status", "archived");
        }

        /**
         * Sets workspaceId.
         *
         * @param workspaceId only tasks of this workspace; {@code null} for none
         * @return this builder
         */
        public Builder workspaceId(UUID workspaceId) {
            return filter("workspaceId", workspaceId, v -> v);
        }

        /**
         * Sets projectId.
         *
         * @param projectId only tasks of this project; {@code null} for none
         * @return this builder
         */
        public Builder projectId(UUID projectId) {
            return filter("projectId", projectId, v -> v);
        }

        /**
         * Sets status.
         *
         * @param status only tasks with this status; {@code null} for none
         * @return this builder
         */
        public Builder status(TaskStatus status) {
            return filter("status", status, TaskStatus::wire);
        }

        /**
         * Sets archived.
         *
         * @param archived which archived tasks to show; the server hides them by default; {@code null} for none
         * @return this builder
         */
        public Builder archived(Archived archived) {
            return filter("archived", archived, Archived::wire);
        }
    }
}
