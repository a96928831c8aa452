package dev.agentcenter.sdk;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * Filters and paging for {@link RunService#list}. Build with {@link #builder()}; every field is optional.
 *
 * @param taskId only runs of this task; {@code null} for none
 * @param limit page size, 1–200 (server default 50); {@code null} for none
 * @param cursor the {@code nextCursor} of the previous page; {@code null} for none
 */
public record RunListParams(UUID taskId, Integer limit, String cursor) {

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
    public static RunListParams none() {
        return builder().build();
    }

    /**
     * The same parameters for another page.
     *
     * @param cursor the {@code nextCursor} of the previous page, or {@code null} for the first
     * @return a copy with this cursor
     */
    public RunListParams withCursor(String cursor) {
        return new RunListParams(taskId, limit, cursor);
    }

    Map<String, Object> query() {
        Map<String, Object> query = new LinkedHashMap<>();
        query.put("taskId", taskId);
        query.put("limit", limit);
        query.put("cursor", cursor);
        return query;
    }

    /** Builds {@link RunListParams}. */
    public static final class Builder {
        private UUID taskId;
        private Integer limit;
        private String cursor;

        private Builder() {}

        /**
         * Sets taskId.
         *
         * @param taskId only runs of this task; {@code null} for none
         * @return this builder
         */
        public Builder taskId(UUID taskId) {
            this.taskId = taskId;
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
        public RunListParams build() {
            return new RunListParams(taskId, limit, cursor);
        }
    }
}
