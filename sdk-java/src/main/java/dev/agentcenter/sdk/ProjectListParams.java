package dev.agentcenter.sdk;

import java.util.UUID;

/**
 * Filters and paging for {@link ProjectService#list}. Build with {@link #builder()}; every field is optional. Paging and the query live in {@link
 * PageParams}.
 */
public final class ProjectListParams extends PageParams<ProjectListParams> {

    private ProjectListParams(State state) {
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
    public static ProjectListParams none() {
        return builder().build();
    }

    @Override
    ProjectListParams create(State state) {
        return new ProjectListParams(state);
    }

    /**
     * The workspaceId filter.
     *
     * @return only projects of this workspace; {@code null} for none
     */
    public UUID workspaceId() {
        return filter("workspaceId");
    }

    /** Builds {@link ProjectListParams}. */
    public static final class Builder extends PageParams.Builder<ProjectListParams, Builder> {

        private Builder() {
            super(ProjectListParams::new, "workspaceId");
        }

        /**
         * Sets workspaceId.
         *
         * @param workspaceId only projects of this workspace; {@code null} for none
         * @return this builder
         */
        public Builder workspaceId(UUID workspaceId) {
            return filter("workspaceId", workspaceId, v -> v);
        }
    }
}
