package dev.agentcenter.sdk;

/**
 * Paging for lists without filters (workspaces). Build with {@link #builder()}; every field is optional. Paging and the query live in {@link
 * PageParams}.
 */
public final class ListParams extends PageParams<ListParams> {

    private ListParams(State state) {
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
    public static ListParams none() {
        return builder().build();
    }

    @Override
    ListParams create(State state) {
        return new ListParams(state);
    }

    /** Builds {@link ListParams}. */
    public static final class Builder extends PageParams.Builder<ListParams, Builder> {

        private Builder() {
            super(ListParams::new);
        }
    }
}
