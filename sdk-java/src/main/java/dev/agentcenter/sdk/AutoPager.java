package dev.agentcenter.sdk;

import dev.agentcenter.model.Page;
import java.util.Collections;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.function.Function;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * Every item of a list, fetching the next page when the previous one is used up. Pages are fetched lazily, one
 * request at a time; each {@link #iterator()} starts again from the first page.
 *
 * @param <T> the item type
 */
public final class AutoPager<T> implements Iterable<T> {

    private final Function<String, Page<T>> fetch;

    AutoPager(Function<String, Page<T>> fetch) {
        this.fetch = fetch;
    }

    /**
     * Iterates over every item, newest first (or in sequence order for events).
     *
     * @return a new iterator; its {@code next()} may throw an {@link AgentCenterException} when a page fails
     */
    @Override
    public Iterator<T> iterator() {
        return new Iterator<>() {
            private Iterator<T> page = Collections.emptyIterator();
            private String cursor;
            private boolean started;

            @Override
            public boolean hasNext() {
                while (!page.hasNext()) {
                    if (started && cursor == null) {
                        return false;
                    }
                    Page<T> next = fetch.apply(cursor);
                    started = true;
                    cursor = next.nextCursor();
                    page = next.items().iterator();
                }
                return true;
            }

            @Override
            public T next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return page.next();
            }
        };
    }

    /**
     * The items as a sequential stream.
     *
     * @return a lazy stream over every item
     */
    public Stream<T> stream() {
        return StreamSupport.stream(Spliterators.spliteratorUnknownSize(iterator(), Spliterator.ORDERED), false);
    }
}
