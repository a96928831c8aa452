package dev.agentcenter.api.realtime;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The live feed of one followed run: the last sequence read from the database, a tail of recent events (bounded by
 * count and bytes, and by the budget all tails share) and the subscribers. Reads are coalesced: a notification that arrives while a read is in flight only marks the feed
 * dirty, and the running read goes round once more.
 */
final class RunFeed {

    private final UUID runId;
    private final int tailSize;
    private final long maxTailBytes;
    private final ByteBudget tailBudget;
    private final Set<Subscription> subscribers = ConcurrentHashMap.newKeySet();
    private final ArrayDeque<FeedEvent> tail = new ArrayDeque<>();
    private long tailBytes;
    /** -1 until known: nothing is read before the feed knows where the committed events end. */
    private long lastRead = -1;

    private boolean reading;
    private boolean dirty;

    RunFeed(UUID runId, int tailSize, long maxTailBytes, ByteBudget tailBudget) {
        this.runId = runId;
        this.tailSize = tailSize;
        this.maxTailBytes = maxTailBytes;
        this.tailBudget = tailBudget;
    }

    UUID runId() {
        return runId;
    }

    void add(Subscription subscription) {
        subscribers.add(subscription);
    }

    /** True when no subscriber is left. */
    boolean remove(Subscription subscription) {
        subscribers.remove(subscription);
        return subscribers.isEmpty();
    }

    int subscriberCount() {
        return subscribers.size();
    }

    /**
     * Sets where the committed events ended, read after this feed started receiving notifications: anything
     * committed later is notified. Returns true when a read must start (a notification came in the meantime).
     */
    synchronized boolean initialise(long committedLastSequence) {
        if (lastRead >= 0) {
            return false;
        }
        lastRead = committedLastSequence;
        if (dirty && !reading) {
            dirty = false;
            reading = true;
            return true;
        }
        return false;
    }

    /** A notification: true when the caller must start a read, false when one is running (or the feed is not ready). */
    synchronized boolean requestRead() {
        if (lastRead < 0 || reading) {
            dirty = true;
            return false;
        }
        reading = true;
        return true;
    }

    synchronized long lastRead() {
        return lastRead;
    }

    /** Records what a read returned and answers who must receive it. */
    synchronized List<Subscription> append(List<FeedEvent> events) {
        for (FeedEvent event : events) {
            if (event.sequence() <= lastRead) {
                continue;
            }
            lastRead = event.sequence();
            keepInTail(event);
        }
        return new ArrayList<>(subscribers);
    }

    /**
     * Adds to the tail, dropping its oldest events to stay within the count, the bytes and the shared budget. The
     * tail must stay contiguous up to {@link #lastRead}: an event that cannot be kept empties it.
     */
    private void keepInTail(FeedEvent event) {
        if (tailSize == 0 || event.bytes() > maxTailBytes) {
            clearTail();
            return;
        }
        while (!tail.isEmpty() && (tail.size() >= tailSize || tailBytes + event.bytes() > maxTailBytes)) {
            dropOldest();
        }
        while (!tailBudget.tryTake(event.bytes())) {
            if (tail.isEmpty()) {
                return; // other runs' tails hold the budget: this one stays empty for now
            }
            dropOldest();
        }
        tail.addLast(event);
        tailBytes += event.bytes();
    }

    private void dropOldest() {
        FeedEvent dropped = tail.pollFirst();
        tailBytes -= dropped.bytes();
        tailBudget.give(dropped.bytes());
    }

    private void clearTail() {
        tailBudget.give(tailBytes);
        tail.clear();
        tailBytes = 0;
    }

    /** The feed is no longer followed: its tail's bytes go back to the shared budget. */
    synchronized void dispose() {
        clearTail();
    }

    synchronized long tailBytes() {
        return tailBytes;
    }

    /** After a read: true when done, false when a notification came meanwhile and the reader must go again. */
    synchronized boolean finishRead() {
        if (dirty) {
            dirty = false;
            return false;
        }
        reading = false;
        return true;
    }

    /** A read failed: the next notification (or resync) starts over. */
    synchronized void abandonRead() {
        reading = false;
    }

    /**
     * The events after {@code afterSequence} up to the feed's head, from memory; {@code null} when the tail does not
     * reach back that far (the caller reads the database).
     */
    synchronized List<FeedEvent> tailAfter(long afterSequence) {
        if (lastRead < 0) {
            return null;
        }
        if (afterSequence >= lastRead) {
            return List.of();
        }
        if (tail.isEmpty() || tail.peekFirst().sequence() > afterSequence + 1) {
            return null;
        }
        List<FeedEvent> events = new ArrayList<>();
        for (FeedEvent event : tail) {
            if (event.sequence() > afterSequence) {
                events.add(event);
            }
        }
        return events;
    }
}
