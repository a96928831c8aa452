package dev.agentcenter.sdk;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Paging for lists without filters (workspaces). Build with {@link #builder()}; every field is optional.
 *
 * @param limit page size, 1–200 (server default 50); {@code null} for none
 * @param cursor the {@code nextCursor} of the previous page; {@code null} for none
 */
public record ListParams(Integer limit, String cursor) {

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

    /**
     * The same parameters for another page.
     *
     * @param cursor the {@code nextCursor} of the previous page, or {@code null} for the first
     * @return a copy with this cursor
     */
    public ListParams withCursor(String cursor) {
        return new ListParams(limit, cursor);
    }

    Map<String, Object> query() {
        Map<String, Object> query = new LinkedHashMap<>();
        query.put("limit", limit);
        query.put("cursor", cursor);
        return query;
    }

    /** Builds {@link ListParams}. */
    public static final class Builder {
        private Integer limit;
        private String cursor;

        private Builder() {}

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
        public ListParams build() {
            return new ListParams(limit, cursor);
        }
    }
}
