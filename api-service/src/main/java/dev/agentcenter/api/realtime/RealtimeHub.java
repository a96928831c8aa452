package dev.agentcenter.api.realtime;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;

/**
 * The fan-out: one {@link RunFeed} per followed run, fed by the LISTEN connection, and the subscribers of
 * {@code tasks_changed}. Database work per notification is one read per run, however many subscribers it has.
 */
@Component
class RealtimeHub implements DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(RealtimeHub.class);
    private static final java.time.Duration RETRY_READ = java.time.Duration.ofSeconds(1);

    private final RealtimeReads reads;
    private final RealtimeProperties properties;
    private final Map<UUID, RunFeed> feeds = new ConcurrentHashMap<>();
    private final Set<Consumer<UUID>> taskWatchers = ConcurrentHashMap.newKeySet();
    private final ExecutorService readers = Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("realtime-read-", 0).factory());
    private final AtomicLong notifications = new AtomicLong();
    private final ByteBudget tailBudget;
    private final ByteBudget outboxBudget;

    RealtimeHub(RealtimeReads reads, RealtimeProperties properties) {
        this.reads = reads;
        this.properties = properties;
        this.tailBudget = new ByteBudget(properties.totalTailBytes());
        this.outboxBudget = new ByteBudget(properties.totalBufferBytes());
    }

    /** The bytes all clients' outboxes share. */
    ByteBudget outboxBudget() {
        return outboxBudget;
    }

    /**
     * Starts a subscription: registers it (so live events are kept from now on), checks the run, then sends the
     * backlog on a virtual thread. {@code beforeBacklog} gets the run's state (read after the subscription was
     * registered) once the run is known to exist, before any event is sent. Returns that state, or empty (and
     * nothing registered) when there is no such run.
     */
    Optional<RealtimeReads.RunState> subscribe(
            Subscription subscription, Consumer<RealtimeReads.RunState> beforeBacklog) {
        RunFeed feed = register(subscription);
        Optional<RealtimeReads.RunState> state;
        try {
            state = reads.run(subscription.runId());
        } catch (RuntimeException e) {
            unsubscribe(subscription);
            throw e;
        }
        if (state.isEmpty()) {
            unsubscribe(subscription);
            return state;
        }
        if (feed.initialise(state.get().lastSequence())) {
            readers.execute(() -> readLoop(feed));
        }
        beforeBacklog.accept(state.get());
        readers.execute(() -> catchUp(feed, subscription));
        return state;
    }

    void unsubscribe(Subscription subscription) {
        subscription.close();
        feeds.computeIfPresent(subscription.runId(), (id, feed) -> {
            if (feed.remove(subscription)) {
                feed.dispose();
                return null;
            }
            return feed;
        });
    }

    void watchTasks(Consumer<UUID> watcher) {
        taskWatchers.add(watcher);
    }

    void unwatchTasks(Consumer<UUID> watcher) {
        taskWatchers.remove(watcher);
    }

    /** {@code NOTIFY run_events}: events of this run were committed. */
    void runEventsCommitted(UUID runId) {
        notifications.incrementAndGet();
        RunFeed feed = feeds.get(runId);
        if (feed != null && feed.requestRead()) {
            readers.execute(() -> readLoop(feed));
        }
    }

    /** {@code NOTIFY tasks_changed}; {@code null} after a reconnect, when a change may have been missed. */
    void taskChanged(UUID taskId) {
        notifications.incrementAndGet();
        for (Consumer<UUID> watcher : taskWatchers) {
            watcher.accept(taskId);
        }
    }

    /** The LISTEN connection was (re)established: notifications may have been missed, so every feed reads again. */
    void resync(boolean reconnect) {
        for (RunFeed feed : feeds.values()) {
            if (feed.requestRead()) {
                readers.execute(() -> readLoop(feed));
            }
        }
        if (reconnect) {
            taskChanged(null);
        }
    }

    Map<String, Object> stats() {
        return Map.of(
                "feeds", feeds.size(),
                "runSubscriptions",
                        feeds.values().stream()
                                .mapToInt(RunFeed::subscriberCount)
                                .sum(),
                "taskSubscriptions", taskWatchers.size(),
                "notifications", notifications.get(),
                "feedReads", reads.feedReads(),
                "backlogReads", reads.backlogReads(),
                "runLookups", reads.runLookups(),
                "tailBytes", tailBudget.used(),
                "outboxBytes", outboxBudget.used());
    }

    @Override
    public void destroy() {
        readers.shutdownNow();
    }

    private RunFeed register(Subscription subscription) {
        return feeds.compute(subscription.runId(), (id, existing) -> {
            RunFeed feed = existing == null
                    ? new RunFeed(id, properties.tailSize(), properties.tailBytes(), tailBudget)
                    : existing;
            feed.add(subscription);
            return feed;
        });
    }

    private void readLoop(RunFeed feed) {
        try {
            while (true) {
                RealtimeReads.FeedPage page =
                        reads.feed(feed.runId(), feed.lastRead(), properties.pageSize(), properties.pageBytes());
                List<FeedEvent> events = page.events();
                List<Subscription> targets = feed.append(events);
                if (!events.isEmpty()) {
                    for (Subscription subscription : targets) {
                        if (subscription.offer(events)) {
                            readers.execute(() -> catchUp(feed, subscription));
                        }
                    }
                }
                if (!page.more() && feed.finishRead()) {
                    return;
                }
            }
        } catch (RuntimeException e) {
            feed.abandonRead();
            log.warn("reading new events of run {} failed, retrying in 1 s: {}", feed.runId(), e.toString());
            Thread.ofVirtual().start(() -> {
                try {
                    Thread.sleep(RETRY_READ);
                } catch (InterruptedException interrupted) {
                    return;
                }
                if (!readers.isShutdown() && feed.requestRead()) {
                    readers.execute(() -> readLoop(feed));
                }
            });
        }
    }

    private void catchUp(RunFeed feed, Subscription subscription) {
        boolean forceDatabase = false;
        try {
            while (!subscription.closed()) {
                subscription.awaitRoom();
                long after = subscription.lastSent();
                List<FeedEvent> page = forceDatabase ? null : feed.tailAfter(after);
                boolean reachedHead;
                if (page != null) {
                    reachedHead = true;
                } else {
                    RealtimeReads.FeedPage read =
                            reads.backlog(subscription.runId(), after, properties.pageSize(), properties.pageBytes());
                    page = read.events();
                    reachedHead = !read.more();
                }
                Subscription.Progress progress = subscription.backlog(page, reachedHead);
                if (progress == Subscription.Progress.DONE) {
                    return;
                }
                // a gap between what was read and what the feed already pushed: only the database can fill it
                forceDatabase = progress == Subscription.Progress.GAP;
            }
        } catch (RuntimeException e) {
            log.warn("sending the backlog of run {} failed: {}", subscription.runId(), e.toString());
            subscription.abort("reading the backlog failed: resume with afterSequence");
        }
    }
}
