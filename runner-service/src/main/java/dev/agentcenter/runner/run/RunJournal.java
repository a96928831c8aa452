package dev.agentcenter.runner.run;

import dev.agentcenter.support.events.RunEventWriter;
import dev.agentcenter.support.events.RunEventWriter.Draft;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one writer of a run's events and row changes, on its own thread, in the order they happened.
 *
 * <p>Output lines are queued and written in batches: whatever has accumulated while the previous batch was being
 * written goes in the next statement, so a quiet command's line is stored at once and a flood of output costs one
 * round trip per thousand lines. Status changes ({@link #commit}) wait for everything queued before them and are
 * written in the same transaction as their events. Every write is fenced by the lease token: once the run is no
 * longer ours (lease expired, run failed by the sweeper), nothing more is written and {@link #lost()} turns true.
 *
 * <p>The queue is bounded, so a command printing faster than Postgres can store blocks on its pipe instead of
 * filling the runner's memory.
 */
final class RunJournal implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RunJournal.class);
    private static final int MAX_BATCH = 2_000;
    private static final int QUEUE_CAPACITY = 20_000;

    /** A change of the run row, applied in the transaction of its events; false when the fence refused it. */
    @FunctionalInterface
    interface RowChange {
        boolean apply(Connection connection) throws SQLException;
    }

    private sealed interface Entry permits Line, Commit, Close {}

    private record Line(Draft draft) implements Entry {}

    private record Commit(List<Draft> drafts, RowChange change, CompletableFuture<Boolean> done) implements Entry {}

    private record Close() implements Entry {}

    private final UUID runId;
    private final UUID leaseToken;
    private final DataSource dataSource;
    private final BlockingQueue<Entry> queue = new ArrayBlockingQueue<>(QUEUE_CAPACITY);
    private final Thread writer;
    private volatile boolean lost;
    private final Runnable onLost;

    RunJournal(UUID runId, UUID leaseToken, DataSource dataSource, Runnable onLost) {
        this.runId = runId;
        this.leaseToken = leaseToken;
        this.dataSource = dataSource;
        this.onLost = onLost;
        this.writer = Thread.ofVirtual().name("journal-" + runId).start(this::writeLoop);
    }

    /** Queues an event; blocks while the queue is full. */
    void log(Draft draft) {
        if (lost) {
            return;
        }
        try {
            queue.put(new Line(draft));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Writes everything queued so far, then these events and the row change, in one transaction.
     *
     * @return false when the run is no longer ours
     */
    boolean commit(List<Draft> drafts, RowChange change) {
        if (lost) {
            return false;
        }
        CompletableFuture<Boolean> done = new CompletableFuture<>();
        try {
            queue.put(new Commit(drafts, change, done));
            return done.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException e) {
            throw new IllegalStateException("Could not write run " + runId, e.getCause());
        }
    }

    boolean lost() {
        return lost;
    }

    /** Writes what is queued and stops the writer. */
    @Override
    public void close() {
        try {
            queue.put(new Close());
            writer.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void writeLoop() {
        List<Entry> batch = new ArrayList<>();
        while (true) {
            try {
                batch.add(queue.take());
                queue.drainTo(batch, MAX_BATCH - 1);
            } catch (InterruptedException e) {
                return;
            }
            boolean closing = batch.getLast() instanceof Close;
            writeBatch(batch);
            batch.clear();
            if (closing) {
                return;
            }
        }
    }

    /** Lines are grouped up to the next commit; a commit closes its group in the same transaction. */
    private void writeBatch(List<Entry> batch) {
        List<Draft> pending = new ArrayList<>();
        for (Entry entry : batch) {
            switch (entry) {
                case Line line -> pending.add(line.draft());
                case Commit commit -> {
                    pending.addAll(commit.drafts());
                    boolean ok = write(pending, commit.change());
                    pending.clear();
                    commit.done().complete(ok);
                }
                case Close close -> {}
            }
        }
        if (!pending.isEmpty()) {
            write(pending, null);
        }
    }

    private boolean write(List<Draft> drafts, RowChange change) {
        if (lost) {
            return false;
        }
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try {
                boolean ok = drafts.isEmpty()
                        || RunEventWriter.append(connection, runId, leaseToken, drafts)
                                .isPresent();
                if (ok && change != null) {
                    ok = change.apply(connection);
                }
                if (ok) {
                    connection.commit();
                } else {
                    connection.rollback();
                    markLost();
                }
                return ok;
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            }
        } catch (SQLException | RuntimeException e) {
            // A write we cannot make loses output; say so loudly, keep the run going (the lease decides its fate).
            log.error("Could not write {} event(s) of run {}", drafts.size(), runId, e);
            return false;
        }
    }

    private void markLost() {
        if (!lost) {
            lost = true;
            log.warn("Run {} is no longer held by this runner (lease {}); stopping its writes", runId, leaseToken);
            onLost.run();
        }
    }
}
