package dev.agentcenter.runner.run;

import dev.agentcenter.support.ledger.RunEventWriter;
import dev.agentcenter.support.ledger.RunEventWriter.BatchOutcome;
import dev.agentcenter.support.ledger.RunEventWriter.Draft;
import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one writer of a run's events and row changes, on its own thread, in the order they happened.
 *
 * <p>Output lines are queued and written in batches: whatever has accumulated while the previous batch was being
 * written goes in the next statement (up to {@link #MAX_BATCH_EVENTS} events or {@link #MAX_BATCH_BYTES}), so a
 * quiet command's line is stored at once and a flood of output costs one round trip per batch. Status changes
 * ({@link #commit}) wait for everything queued before them and are written in the same transaction as their events.
 * Every write is fenced by the lease token: once the run is no longer ours (the sweeper failed it), nothing more is
 * written and later writes are refused.
 *
 * <p><b>Nothing is dropped while the run is ours.</b> A write that fails because Postgres cannot be reached (or
 * restarted, or timed out) is tried again, the same batch in the same order, with backoff, until it succeeds or the
 * lease turns out to be lost; each batch carries an id ({@link RunEventWriter#appendBatch}), so an attempt whose
 * COMMIT went through but whose answer was lost is not stored twice. Meanwhile the queue is bounded by bytes
 * ({@code bufferBytes}, what is being written included): whoever queues past it blocks, which blocks the reader of
 * the process's pipe, which pauses the process when the pipe is full. Output is paused, never dropped.
 *
 * <p><b>The output cap.</b> {@link #output} and {@link #skipped} count the run's output: each event's message and
 * payload in UTF-8 plus {@link #EVENT_OVERHEAD_BYTES} for its row, and the bytes of over-long lines that were not
 * stored. Past {@code maxOutputBytes} the listener is told once (the run stops its processes); what they print while
 * stopping is still stored up to {@link #CAP_GRACE_BYTES} more, then counted and dropped ({@link
 * #droppedOutputBytes()}, reported in the run's final event).
 */
final class RunJournal implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RunJournal.class);

    /** Queued bytes of one run when nothing else is configured. */
    static final long DEFAULT_BUFFER_BYTES = 4L * 1024 * 1024;

    static final int MAX_BATCH_EVENTS = 2_000;
    static final long MAX_BATCH_BYTES = 1024 * 1024;

    /** What an event costs beyond its text: its row, its index entry. */
    static final int EVENT_OVERHEAD_BYTES = 64;

    /** Output still stored after the cap was reached, while the run's processes are being stopped. */
    static final long CAP_GRACE_BYTES = 1024 * 1024;

    private static final Duration FIRST_BACKOFF = Duration.ofMillis(100);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(2);
    /** A failure that is not a connection problem (bad data, a bug) is tried this often before it is given up. */
    private static final int PERMANENT_FAILURE_ATTEMPTS = 3;

    private static final Duration CLOSE_WAIT = Duration.ofSeconds(30);

    /** A change of the run row, applied in the transaction of its events; false when the fence refused it. */
    @FunctionalInterface
    interface RowChange {
        boolean apply(Connection connection) throws SQLException;
    }

    /** Called (once, from the thread that crossed it) when the run's output passes {@code maxOutputBytes}. */
    @FunctionalInterface
    interface OutputLimitListener {
        void limitReached(long maxOutputBytes);
    }

    private sealed interface Entry permits Line, Commit, Close {
        long bytes();
    }

    private record Line(Draft draft, long bytes) implements Entry {}

    private record Commit(List<Draft> drafts, RowChange change, CompletableFuture<Boolean> done, long bytes)
            implements Entry {}

    private record Close() implements Entry {
        public long bytes() {
            return 0;
        }
    }

    private final UUID runId;
    private final UUID leaseToken;
    private final DataSource dataSource;
    private final long bufferBytes;
    private final long maxOutputBytes;
    private final Runnable onLost;
    private final OutputLimitListener onOutputLimit;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notEmpty = lock.newCondition();
    private final Condition room = lock.newCondition();
    private final ArrayDeque<Entry> queue = new ArrayDeque<>();
    private long queuedBytes;
    private long queuedBytesHighWater;
    private boolean closing;

    private long outputBytes;
    private boolean limitReached;
    private long droppedOutputEvents;
    private long droppedOutputBytes;

    private final Thread writer;
    private volatile boolean lost;

    /** A journal without an output cap, with the default buffer. */
    RunJournal(UUID runId, UUID leaseToken, DataSource dataSource, Runnable onLost) {
        this(runId, leaseToken, dataSource, DEFAULT_BUFFER_BYTES, Long.MAX_VALUE, onLost, limit -> {});
    }

    /**
     * @param bufferBytes bytes of events queued (and being written) at most; past it, queuing blocks
     * @param maxOutputBytes the run's output cap (see the class comment)
     */
    RunJournal(
            UUID runId,
            UUID leaseToken,
            DataSource dataSource,
            long bufferBytes,
            long maxOutputBytes,
            Runnable onLost,
            OutputLimitListener onOutputLimit) {
        this.runId = runId;
        this.leaseToken = leaseToken;
        this.dataSource = dataSource;
        this.bufferBytes = bufferBytes;
        this.maxOutputBytes = maxOutputBytes;
        this.onLost = onLost;
        this.onOutputLimit = onOutputLimit;
        this.writer = Thread.ofVirtual().name("journal-" + runId).start(this::writeLoop);
    }

    /** Queues one of the runner's own events (not counted as output); blocks while the buffer is full. */
    void log(Draft draft) {
        enqueue(new Line(draft, size(draft)));
    }

    /**
     * Queues an event made of the run's output (a line, an agent's message), counted against the output cap;
     * blocks while the buffer is full. Past the cap and its grace the event is counted and dropped.
     */
    void output(Draft draft) {
        long bytes = size(draft);
        boolean crossed;
        lock.lock();
        try {
            if (limitReached && outputBytes >= saturatedAdd(maxOutputBytes, CAP_GRACE_BYTES)) {
                droppedOutputEvents++;
                droppedOutputBytes += bytes;
                return;
            }
            outputBytes += bytes;
            crossed = crossLimitLocked();
        } finally {
            lock.unlock();
        }
        if (crossed) {
            onOutputLimit.limitReached(maxOutputBytes);
        }
        enqueue(new Line(draft, bytes));
    }

    /** Bytes of output that were read but not stored (the part of an over-long line past its cut): counted. */
    void skipped(long bytes) {
        boolean crossed;
        lock.lock();
        try {
            if (limitReached) {
                droppedOutputBytes += bytes;
                return;
            }
            outputBytes += bytes;
            crossed = crossLimitLocked();
        } finally {
            lock.unlock();
        }
        if (crossed) {
            onOutputLimit.limitReached(maxOutputBytes);
        }
    }

    private boolean crossLimitLocked() {
        if (!limitReached && outputBytes > maxOutputBytes) {
            limitReached = true;
            return true;
        }
        return false;
    }

    /**
     * Writes everything queued so far, then these events and the row change, in one transaction; tried again
     * while Postgres cannot be reached.
     *
     * @return false when the run is no longer ours
     * @throws IllegalStateException when the write failed for another reason than the database being unreachable
     */
    boolean commit(List<Draft> drafts, RowChange change) {
        if (lost) {
            return false;
        }
        CompletableFuture<Boolean> done = new CompletableFuture<>();
        long bytes = 0;
        for (Draft draft : drafts) {
            bytes += size(draft);
        }
        if (!enqueue(new Commit(drafts, change, done, bytes))) {
            return false;
        }
        try {
            return done.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException e) {
            throw new IllegalStateException("Could not write run " + runId, e.getCause());
        }
    }

    /** Output counted against the cap so far, in bytes. */
    long outputBytes() {
        lock.lock();
        try {
            return outputBytes;
        } finally {
            lock.unlock();
        }
    }

    /** Output bytes read after the cap (and its grace) that were not stored. */
    long droppedOutputBytes() {
        lock.lock();
        try {
            return droppedOutputBytes;
        } finally {
            lock.unlock();
        }
    }

    /** The most bytes that were ever queued at once: never more than the buffer, or one event when that is larger. */
    long queuedBytesHighWater() {
        lock.lock();
        try {
            return queuedBytesHighWater;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Writes what is queued and stops the writer. Waits up to 30 s; a writer still waiting for Postgres then goes
     * on in the background (and says so in the log), so a late line is stored once the database is back.
     */
    @Override
    public void close() {
        lock.lock();
        try {
            if (closing) {
                return;
            }
            closing = true;
            queue.addLast(new Close());
            notEmpty.signal();
        } finally {
            lock.unlock();
        }
        try {
            if (!writer.join(CLOSE_WAIT)) {
                log.error(
                        "Run {}: {} bytes of events are still waiting for Postgres after {} s; still trying in the"
                                + " background",
                        runId,
                        queuedBytesNow(),
                        CLOSE_WAIT.toSeconds());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private long queuedBytesNow() {
        lock.lock();
        try {
            return queuedBytes;
        } finally {
            lock.unlock();
        }
    }

    /**
     * False when the run is no longer ours, or the journal was closed (nothing queued). An entry is always let in
     * when the queue is empty.
     */
    private boolean enqueue(Entry entry) {
        lock.lock();
        try {
            if (closing) {
                log.warn("Run {}: an event came after the journal was closed and is not stored", runId);
                return false;
            }
            while (!lost && queuedBytes > 0 && queuedBytes + entry.bytes() > bufferBytes) {
                room.awaitUninterruptibly();
            }
            if (lost) {
                return false;
            }
            queue.addLast(entry);
            queuedBytes += entry.bytes();
            queuedBytesHighWater = Math.max(queuedBytesHighWater, queuedBytes);
            notEmpty.signal();
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Lines up to the limits, ending early with (and including) a commit or the close. */
    private List<Entry> takeBatch() throws InterruptedException {
        lock.lock();
        try {
            while (queue.isEmpty()) {
                notEmpty.await();
            }
            List<Entry> batch = new ArrayList<>();
            long bytes = 0;
            while (!queue.isEmpty()) {
                Entry next = queue.peekFirst();
                if (next instanceof Line
                        && !batch.isEmpty()
                        && (batch.size() >= MAX_BATCH_EVENTS || bytes + next.bytes() > MAX_BATCH_BYTES)) {
                    break;
                }
                queue.pollFirst();
                batch.add(next);
                bytes += next.bytes();
                if (!(next instanceof Line)) {
                    break;
                }
            }
            return batch;
        } finally {
            lock.unlock();
        }
    }

    private void release(List<Entry> batch) {
        long bytes = 0;
        for (Entry entry : batch) {
            bytes += entry.bytes();
        }
        lock.lock();
        try {
            queuedBytes -= bytes;
            room.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void writeLoop() {
        while (true) {
            List<Entry> batch;
            try {
                batch = takeBatch();
            } catch (InterruptedException e) {
                return;
            }
            List<Draft> drafts = new ArrayList<>(batch.size());
            Commit commit = null;
            boolean closeAfter = false;
            for (Entry entry : batch) {
                switch (entry) {
                    case Line line -> drafts.add(line.draft());
                    case Commit c -> {
                        drafts.addAll(c.drafts());
                        commit = c;
                    }
                    case Close close -> closeAfter = true;
                }
            }
            try {
                boolean ok = !lost && write(drafts, commit == null ? null : commit.change());
                if (commit != null) {
                    commit.done().complete(ok);
                }
            } catch (RuntimeException e) {
                if (commit != null) {
                    commit.done().completeExceptionally(e);
                }
            } finally {
                release(batch);
            }
            if (closeAfter) {
                return;
            }
        }
    }

    /**
     * Writes one batch, trying again while the database is unreachable; false when the fence refused it. A
     * failure of another kind is tried a few times, then thrown for a commit or, for plain lines, replaced by an
     * event saying what could not be stored.
     */
    private boolean write(List<Draft> drafts, RowChange change) {
        if (drafts.isEmpty() && change == null) {
            return true;
        }
        UUID batchId = UUID.randomUUID();
        Duration backoff = FIRST_BACKOFF;
        int permanentFailures = 0;
        long failingSince = 0;
        while (true) {
            if (lost) {
                return false;
            }
            try {
                boolean ok = writeOnce(batchId, drafts, change);
                if (failingSince != 0) {
                    log.info(
                            "Run {}: {} event(s) written after {} s of database trouble",
                            runId,
                            drafts.size(),
                            TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - failingSince));
                }
                if (!ok) {
                    markLost();
                }
                return ok;
            } catch (SQLException | RuntimeException e) {
                boolean reachable = !unreachable(e);
                if (reachable && ++permanentFailures >= PERMANENT_FAILURE_ATTEMPTS) {
                    if (change != null) {
                        throw new IllegalStateException(e);
                    }
                    return replaceUnstorable(drafts, e);
                }
                if (failingSince == 0) {
                    failingSince = System.nanoTime();
                    log.warn(
                            "Run {}: could not write {} event(s) ({}); trying again until Postgres answers or the"
                                    + " lease is lost",
                            runId,
                            drafts.size(),
                            e.toString());
                } else {
                    log.debug("Run {}: writing still fails: {}", runId, e.toString());
                }
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    log.error("Run {}: interrupted while {} event(s) wait to be written", runId, drafts.size());
                    return false;
                }
                backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
            }
        }
    }

    /** One transaction; false when the fence refused it. */
    private boolean writeOnce(UUID batchId, List<Draft> drafts, RowChange change) throws SQLException {
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try {
                BatchOutcome outcome = RunEventWriter.appendBatch(connection, runId, leaseToken, batchId, drafts);
                if (outcome == BatchOutcome.ALREADY_WRITTEN) {
                    // An earlier attempt committed, its answer was lost; its row change was in the same transaction.
                    connection.rollback();
                    return true;
                }
                boolean ok = outcome == BatchOutcome.WRITTEN && (change == null || change.apply(connection));
                if (ok) {
                    connection.commit();
                } else {
                    connection.rollback();
                }
                return ok;
            } catch (SQLException | RuntimeException e) {
                try {
                    connection.rollback();
                } catch (SQLException rollback) {
                    e.addSuppressed(rollback);
                }
                throw e;
            }
        }
    }

    /** Output Postgres refuses to store (never seen so far): an event says what was lost and why, instead of it. */
    private boolean replaceUnstorable(List<Draft> drafts, Exception cause) {
        log.error("Run {}: {} event(s) could not be stored", runId, drafts.size(), cause);
        String message = drafts.size() + " output event(s) could not be stored: " + cause.getMessage();
        Draft note =
                new Draft("run.log", "error", message, "{\"source\":\"runner\",\"unstored\":" + drafts.size() + "}");
        try {
            return writeOnce(UUID.randomUUID(), List.of(note), null);
        } catch (SQLException | RuntimeException e) {
            log.error("Run {}: not even the note about them could be stored", runId, e);
            return true;
        }
    }

    /**
     * True when the failure says the database could not be reached (down, restarting, the pool timed out, the
     * connection broke): worth waiting for. Anything else is the statement's own fault.
     */
    static boolean unreachable(Throwable failure) {
        for (Throwable e = failure; e != null; e = e.getCause()) {
            if (e instanceof SQLTransientException
                    || e instanceof SQLRecoverableException
                    || e instanceof IOException) {
                return true;
            }
            if (e instanceof SQLException sql && sql.getSQLState() != null) {
                String state = sql.getSQLState();
                // 08 connection exception, 57P admin shutdown / cannot connect now, 53 insufficient resources,
                // 40001 / 40P01 serialization failure / deadlock, 55P03 lock not available
                if (state.startsWith("08")
                        || state.startsWith("57P")
                        || state.startsWith("53")
                        || state.equals("40001")
                        || state.equals("40P01")
                        || state.equals("55P03")) {
                    return true;
                }
            }
        }
        return false;
    }

    private void markLost() {
        int unwritten = 0;
        lock.lock();
        try {
            if (lost) {
                return;
            }
            lost = true;
            // producers blocked on a full buffer return at once; what is queued is no longer ours to write
            for (Entry entry : queue) {
                if (entry instanceof Commit commit) {
                    commit.done().complete(false);
                } else if (entry instanceof Line) {
                    unwritten++;
                }
            }
            room.signalAll();
        } finally {
            lock.unlock();
        }
        log.warn(
                "Run {} is no longer held by this runner (lease {}); stopping its writes ({} queued event(s) not"
                        + " written)",
                runId,
                leaseToken,
                unwritten);
        onLost.run();
    }

    /** Called by the run when it learns elsewhere (the lease renewal) that the run is no longer ours. */
    void leaseLost() {
        if (!lost) {
            markLost();
        }
    }

    /** What an event weighs in the buffer and against the cap: its text and payload in UTF-8, plus its row. */
    static long size(Draft draft) {
        return utf8Length(draft.message()) + utf8Length(draft.payloadJson()) + EVENT_OVERHEAD_BYTES;
    }

    static long utf8Length(String text) {
        if (text == null) {
            return 0;
        }
        int length = text.length();
        long bytes = length;
        for (int i = 0; i < length; i++) {
            char c = text.charAt(i);
            if (c >= 0x80) {
                if (c < 0x800) {
                    bytes += 1;
                } else if (Character.isHighSurrogate(c)) {
                    bytes += 2; // 4 bytes for the pair: 1 + 1 counted for the two chars, 2 more here
                    i++;
                } else {
                    bytes += 2;
                }
            }
        }
        return bytes;
    }

    private static long saturatedAdd(long a, long b) {
        long sum = a + b;
        return sum < a ? Long.MAX_VALUE : sum;
    }
}
