package dev.agentcenter.sdk;

import java.util.UUID;

/**
 * Filters and paging for {@link RunService#list}. Build with {@link #builder()}; every field is optional. Paging and the query live in {@link
 * PageParams}.
 */
public final class RunListParams extends PageParams<RunListParams> {

    private RunListParams(State state) {
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
    public static RunListParams none() {
        return builder().build();
    }

    @Override
    RunListParams create(State state) {
        return new RunListParams(state);
    }

    /**
     * The taskId filter.
     *
     * @return only runs of this task; {@code null} for none
     */
    public UUID taskId() {
        return filter("taskId");
    }

    /** Builds {@link RunListParams}. */
    public static final class Builder extends PageParams.Builder<RunListParams, Builder> {

        private Builder() {
            super(RunListParams::new, "taskId");
        }

        /**
         * Sets taskId.
         *
         * @param taskId only runs of this task; {@code null} for none
         * @return this builder
         */
        public Builder taskId(UUID taskId) {
            return filter("taskId", taskId, v -> v);
        }
    }
}
