package dev.agentcenter.sdk;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * Filters and paging for {@link AutomationService#list}. Build with {@link #builder()}; every field is optional.
 *
 * @param workspaceId only automations of this workspace; {@code null} for none
 * @param projectId only automations of this project; {@code null} for none
 * @param enabled only enabled ({@code true}) or disabled ({@code false}) automations; {@code null} for none
 * @param limit page size, 1–200 (server default 50); {@code null} for none
 * @param cursor the {@code nextCursor} of the previous page; {@code null} for none
 */
public record AutomationListParams(UUID workspaceId, UUID projectId, Boolean enabled, Integer limit, String cursor) {

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
    public static AutomationListParams none() {
        return builder().build();
    }

    /**
     * The same parameters for another page.
     *
     * @param cursor the {@code nextCursor} of the previous page, or {@code null} for the first
     * @return a copy with this cursor
     */
    public AutomationListParams withCursor(String cursor) {
        return new AutomationListParams(workspaceId, projectId, enabled, limit, cursor);
    }

    Map<String, Object> query() {
        Map<String, Object> query = new LinkedHashMap<>();
        query.put("workspaceId", workspaceId);
        query.put("projectId", projectId);
        query.put("enabled", enabled);
        query.put("limit", limit);
        query.put("cursor", cursor);
        return query;
    }

    /** Builds {@link AutomationListParams}. */
    public static final class Builder {
        private UUID workspaceId;
        private UUID projectId;
        private Boolean enabled;
        private Integer limit;
        private String cursor;

        private Builder() {}

        /**
         * Sets workspaceId.
         *
         * @param workspaceId only automations of this workspace; {@code null} for none
         * @return this builder
         */
        public Builder workspaceId(UUID workspaceId) {
            this.workspaceId = workspaceId;
            return this;
        }

        /**
         * Sets projectId.
         *
         * @param projectId only automations of this project; {@code null} for none
         * @return this builder
         */
        public Builder projectId(UUID projectId) {
            this.projectId = projectId;
            return this;
        }

        /**
         * Sets enabled.
         *
         * @param enabled only enabled ({@code true}) or disabled ({@code false}) automations; {@code null} for none
         * @return this builder
         */
        public Builder enabled(Boolean enabled) {
            this.enabled = enabled;
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
        public AutomationListParams build() {
            return new AutomationListParams(workspaceId, projectId, enabled, limit, cursor);
        }
    }
}
