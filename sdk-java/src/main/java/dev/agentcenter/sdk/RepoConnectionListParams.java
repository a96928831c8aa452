package dev.agentcenter.sdk;

import java.util.UUID;

/**
 * Filters and paging for {@link RepoConnectionService#list}. Build with {@link #builder()}; every field is optional. Paging and the query live in {@link
 * PageParams}.
 */
public final class RepoConnectionListParams extends PageParams<RepoConnectionListParams> {

    private RepoConnectionListParams(State state) {
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
    public static RepoConnectionListParams none() {
        return builder().build();
    }

    @Override
    RepoConnectionListParams create(State state) {
        return new RepoConnectionListParams(state);
    }

    /**
     * The workspaceId filter.
     *
     * @return only connections of this workspace; {@code null} for none
     */
    public UUID workspaceId() {
        return filter("workspaceId");
    }

    /**
     * The projectId filter.
     *
     * @return only connections of this project; {@code null} for none
     */
    public UUID projectId() {
        return filter("projectId");
    }

    /** Builds {@link RepoConnectionListParams}. */
    public static final class Builder extends PageParams.Builder<RepoConnectionListParams, Builder> {

        private Builder() {
            super(RepoConnectionListParams::new, "workspaceId", "projectId");
        }

        /**
         * Sets workspaceId.
         *
         * @param workspaceId only connections of this workspace; {@code null} for none
         * @return this builder
         */
        public Builder workspaceId(UUID workspaceId) {
            return filter("workspaceId", workspaceId, v -> v);
        }

        /**
         * Sets projectId.
         *
         * @param projectId only connections of this project; {@code null} for none
         * @return this builder
         */
        public Builder projectId(UUID projectId) {
            return filter("projectId", projectId, v -> v);
        }
    }
}
