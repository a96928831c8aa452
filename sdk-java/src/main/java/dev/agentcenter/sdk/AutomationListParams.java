package dev.agentcenter.sdk;

import java.util.UUID;

/**
 * Filters and paging for {@link AutomationService#list}. Build with {@link #builder()}; every field is optional. Paging and the query live in {@link
 * PageParams}.
 */
public final class AutomationListParams extends PageParams<AutomationListParams> {

    private AutomationListParams(State state) {
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
    public static AutomationListParams none() {
        return builder().build();
    }

    @Override
    AutomationListParams create(State state) {
        return new AutomationListParams(state);
    }

    /**
     * The workspaceId filter.
     *
     * @return only automations of this workspace; {@code null} for none
     */
    public UUID workspaceId() {
        return filter("workspaceId");
    }

    /**
     * The projectId filter.
     *
     * @return only automations of this project; {@code null} for none
     */
    public UUID projectId() {
        return filter("projectId");
    }

    /**
     * The enabled filter.
     *
     * @return only enabled ({@code true}) or disabled ({@code false}) automations; {@code null} for none
     */
    public Boolean enabled() {
        return filter("enabled");
    }

    /** Builds {@link AutomationListParams}. */
    public static final class Builder extends PageParams.Builder<AutomationListParams, Builder> {

        private Builder() {
            super(AutomationListParams::new, "workspaceId", "projectId", "enabled");
        }

        /**
         * Sets workspaceId.
         *
         * @param workspaceId only automations of this workspace; {@code null} for none
         * @return this builder
         */
        public Builder workspaceId(UUID workspaceId) {
            return filter("workspaceId", workspaceId, v -> v);
        }

        /**
         * Sets projectId.
         *
         * @param projectId only automations of this project; {@code null} for none
         * @return this builder
         */
        public Builder projectId(UUID projectId) {
            return filter("projectId", projectId, v -> v);
        }

        /**
         * Sets enabled.
         *
         * @param enabled only enabled ({@code true}) or disabled ({@code false}) automations; {@code null} for none
         * @return this builder
         */
        public Builder enabled(Boolean enabled) {
            return filter("enabled", enabled, v -> v);
        }
    }
}
