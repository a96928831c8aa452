package dev.agentcenter.sdk;

import dev.agentcenter.model.TaskStatus;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * Filters and paging for {@link TaskService#list}. Build with {@link #builder()}; every field is optional.
 *
 * @param workspaceId only tasks of this workspace; {@code null} for none
 * @param projectId only tasks of this project; {@code null} for none
 * @param status only tasks with this status; {@code null} for none
 * @param archived which archived tasks to show; the server hides them by default; {@code null} for none
 * @param limit page size, 1–200 (server default 50); {@code null} for none
 * @param cursor the {@code nextCursor} of the previous page; {@code null} for none
 */
public record TaskListParams(
        UUID workspaceId, UUID projectId, TaskStatus status, Archived archived, Integer limit, String cursor) {

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

    /**
     * The same parameters for another page.
     *
     * @param cursor the {@code nextCursor} of the previous page, or {@code null} for the first
     * @return a copy with this cursor
     */
    public TaskListParams withCursor(String cursor) {
        return new TaskListParams(workspaceId, projectId, status, archived, limit, cursor);
    }

    Map<String, Object> query() {
        Map<String, Object> query = new LinkedHashMap<>();
        query.put("workspaceId", workspaceId);
        query.put("projectId", projectId);
        query.put("status", status == null ? null : status.wire());
        query.put("archived", archived == null ? null : archived.wire());
        query.put("limit", limit);
        query.put("cursor", cursor);
        return query;
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
    public static final class Builder {
        private UUID workspaceId;
        private UUID projectId;
        private TaskStatus status;
        private Archived archived;
        private Integer limit;
        private String cursor;

        private Builder() {}

        /**
         * Sets workspaceId.
         *
         * @param workspaceId only tasks of this workspace; {@code null} for none
         * @return this builder
         */
        public Builder workspaceId(UUID workspaceId) {
            this.workspaceId = workspaceId;
            return this;
        }

        /**
         * Sets projectId.
         *
         * @param projectId only tasks of this project; {@code null} for none
         * @return this builder
         */
        public Builder projectId(UUID projectId) {
            this.projectId = projectId;
            return this;
        }

        /**
         * Sets status.
         *
         * @param status only tasks with this status; {@code null} for none
         * @return this builder
         */
        public Builder status(TaskStatus status) {
            this.status = status;
            return this;
        }

        /**
         * Sets archived.
         *
         * @param archived which archived tasks to show; the server hides them by default; {@code null} for none
         * @return this builder
         */
        public Builder archived(Archived archived) {
            this.archived = archived;
            return this;
        }

        /**
         * Sets limit.
         *
         * @param limit page size, 1–200 (server default 50); {@code null} for none
         * @return this builder
         */
        public Builder limit(Integer limit) {
            this.limit = limit;
            return this;
        }

        /**
         * Sets cursor.
         *
         * @param cursor the {@code nextCursor} of the previous page; {@code null} for none
         * @return this builder
         */
        public Builder cursor(String cursor) {
            this.cursor = cursor;
            return this;
        }

        /**
         * Creates the parameters.
         *
         * @return the parameters
         */
        public TaskListParams build() {
            return new TaskListParams(workspaceId, projectId, status, archived, limit, cursor);
        }
    }
}
