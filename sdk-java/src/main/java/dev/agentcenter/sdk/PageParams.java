package dev.agentcenter.sdk;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * Filters and paging of one list call: the single implementation behind {@link ListParams}, {@link
 * ProjectListParams}, {@link RepoConnectionListParams}, {@link TaskListParams}, {@link RunListParams} and {@link
 * AutomationListParams}. Those only name their filters; paging, copying for the next page and the query string live
 * here, once. Immutable; every field is optional.
 *
 * @param <P> the concrete parameters type
 */
public abstract class PageParams<P extends PageParams<P>> {

    /** A filter's typed value and the form it takes in the query string. */
    record Filter(Object value, Object wire) {}

    /** The state of one set of parameters: filters in query order, then limit and cursor. */
    record State(Map<String, Filter> filters, Integer limit, String cursor) {
        State {
            filters = Collections.unmodifiableMap(new LinkedHashMap<>(filters));
        }
    }

    private final State state;

    PageParams(State state) {
        this.state = state;
    }

    /** Creates the concrete parameters from a state (a page's copy, or a builder's result). */
    abstract P create(State state);

    /**
     * The page size.
     *
     * @return 1–200 (server default 50); {@code null} when not set
     */
    public Integer limit() {
        return state.limit();
    }

    /**
     * Where the page starts.
     *
     * @return the {@code nextCursor} of the previous page; {@code null} for the first
     */
    public String cursor() {
        return state.cursor();
    }

    /**
     * The same parameters for another page.
     *
     * @param cursor the {@code nextCursor} of the previous page, or {@code null} for the first
     * @return a copy with this cursor
     */
    public P withCursor(String cursor) {
        return create(new State(state.filters(), state.limit(), cursor));
    }

    /** A filter's typed value, or null when not set. */
    @SuppressWarnings("unchecked")
    <T> T filter(String name) {
        Filter filter = state.filters().get(name);
        return filter == null ? null : (T) filter.value();
    }

    /** The query parameters, null for unset ones (the transport leaves those out). */
    Map<String, Object> query() {
        Map<String, Object> query = new LinkedHashMap<>();
        state.filters().forEach((name, filter) -> query.put(name, filter.wire()));
        query.put("limit", state.limit());
        query.put("cursor", state.cursor());
        return query;
    }

    @Override
    public boolean equals(Object other) {
        return other != null && other.getClass() == getClass() && ((PageParams<?>) other).state.equals(state);
    }

    @Override
    public int hashCode() {
        return Objects.hash(getClass(), state);
    }

    @Override
    public String toString() {
        StringBuilder text = new StringBuilder(getClass().getSimpleName()).append('[');
        state.filters()
                .forEach((name, filter) ->
                        text.append(name).append('=').append(filter.value()).append(", "));
        return text.append("limit=")
                .append(state.limit())
                .append(", cursor=")
                .append(state.cursor())
                .append(']')
                .toString();
    }

    /**
     * Builds parameters: the paging setters here, the filters in each concrete builder.
     *
     * @param <P> the parameters type built
     * @param <B> the concrete builder type
     */
    public abstract static class Builder<P extends PageParams<P>, B extends Builder<P, B>> {
        private final Map<String, Filter> filters = new LinkedHashMap<>();
        private final Function<State, P> factory;
        private Integer limit;
        private String cursor;

        /**
         * A builder with nothing set whose filters appear in the query in the order given.
         *
         * @param factory makes the parameters from their state
         * @param filterNames the filters this list takes, in query order
         */
        Builder(Function<State, P> factory, String... filterNames) {
            this.factory = factory;
            for (String name : filterNames) {
                filters.put(name, new Filter(null, null));
            }
        }

        @SuppressWarnings("unchecked")
        private B self() {
            return (B) this;
        }

        /** Sets a filter: its typed value, and what the query string carries (null for none). */
        <T> B filter(String name, T value, Function<T, Object> wire) {
            if (!filters.containsKey(name)) {
                throw new IllegalArgumentException("Not a filter of this list: " + name);
            }
            filters.put(name, new Filter(value, value == null ? null : wire.apply(value)));
            return self();
        }

        /**
         * Sets limit.
         *
         * @param limit page size, 1–200 (server default 50); {@code null} for none
         * @return this builder
         */
        public B limit(Integer limit) {
            this.limit = limit;
            return self();
        }

        /**
         * Sets cursor.
         *
         * @param cursor the {@code nextCursor} of the previous page; {@code null} for none
         * @return this builder
         */
        public B cursor(String cursor) {
            this.cursor = cursor;
            return self();
        }

        /**
         * Creates the parameters.
         *
         * @return the parameters
         */
        public P build() {
            return factory.apply(new State(filters, limit, cursor));
        }
    }
}
