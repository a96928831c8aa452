package dev.agentcenter.worker.queue;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code LISTEN} on one dedicated connection, outside the pool: pgjdbc has no asynchronous notifications, so the
 * owner thread waits in {@link PGConnection#getNotifications(int)}. A notification is only a hint that it is
 * worth looking at the table now; callers always poll as well.
 *
 * <p>When the connection breaks, it reconnects with exponential backoff and reports the reconnect as a wake-up,
 * because notifications sent while it was away are lost and the caller must re-read the table. Not thread-safe:
 * one thread owns it.
 */
final class NotificationListener implements AutoCloseable {

    /** Opens a fresh connection (not from the pool: a pooled one could be recycled and lose its LISTEN). */
    @FunctionalInterface
    interface ConnectionOpener {
        Connection open() throws SQLException;
    }

    private static final Logger log = LoggerFactory.getLogger(NotificationListener.class);
    private static final long SLICE_NANOS = Duration.ofMillis(200).toNanos();
    private static final Duration MIN_BACKOFF = Duration.ofMillis(100);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(10);
    // A dead TCP peer makes getNotifications simply time out forever; a cheap round trip now and then finds it.
    private static final long VALIDATE_EVERY_NANOS = Duration.ofSeconds(15).toNanos();

    private final ConnectionOpener opener;
    private final List<String> channels;
    private Connection connection;
    private Duration backoff = MIN_BACKOFF;
    private long reconnectAt = System.nanoTime();
    private long validatedAt;
    private boolean listenedBefore;
    /** LISTEN connections established again after one broke, in this process (one listener per process). */
    private static final LongAdder RECONNECTS = new LongAdder();

    NotificationListener(ConnectionOpener opener, List<String> channels) {
        this.opener = opener;
        this.channels = List.copyOf(channels);
    }

    /**
     * Connects and listens unless already listening, if the backoff allows.
     *
     * @return true when it has just (re)connected: notifications may have been missed in between
     */
    boolean ensureListening() {
        if (connection != null || System.nanoTime() - reconnectAt < 0) {
            return false;
        }
        Connection opened = null;
        try {
            opened = opener.open();
            opened.setAutoCommit(true);
            try (Statement statement = opened.createStatement()) {
                for (String channel : channels) {
                    statement.execute("LISTEN " + channel);
                }
            }
            connection = opened;
            validatedAt = System.nanoTime();
            if (listenedBefore) {
                RECONNECTS.increment();
            }
            listenedBefore = true;
            if (backoff.compareTo(MIN_BACKOFF) > 0) {
                log.info("Listening on {} again", channels);
            }
            backoff = MIN_BACKOFF;
            return true;
        } catch (SQLException | RuntimeException e) {
            closeQuietly(opened);
            scheduleReconnect(e);
            return false;
        }
    }

    /** How many times a listener of this process listened again after its connection broke. */
    static long reconnects() {
        return RECONNECTS.sum();
    }

    boolean listening() {
        return connection != null;
    }

    /**
     * Waits until a notification arrives, the listener reconnects, {@code max} passes or {@code stop} says so. The
     * wait is cut into short slices so that a stop request is seen promptly.
     *
     * @return true when something happened that is worth a look at the table
     */
    boolean await(Duration max, BooleanSupplier stop) {
        long deadline = System.nanoTime() + Math.max(0, max.toNanos());
        while (!stop.getAsBoolean()) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            long slice = Math.min(left, SLICE_NANOS);
            if (connection == null) {
                if (ensureListening()) {
                    return true;
                }
                LockSupport.parkNanos(this, Math.max(0, Math.min(slice, reconnectAt - System.nanoTime())));
                continue;
            }
            try {
                // 0 would block until a notification arrives, so never ask for less than 1 ms
                int millis = (int) Math.max(1, Duration.ofNanos(slice).toMillis());
                PGNotification[] notifications =
                        connection.unwrap(PGConnection.class).getNotifications(millis);
                if (notifications != null && notifications.length > 0) {
                    return true;
                }
                if (System.nanoTime() - validatedAt > VALIDATE_EVERY_NANOS) {
                    if (!connection.isValid(5)) {
                        throw new SQLException("the listener connection stopped answering");
                    }
                    validatedAt = System.nanoTime();
                }
            } catch (SQLException | RuntimeException e) {
                closeQuietly(connection);
                connection = null;
                scheduleReconnect(e);
            }
        }
        return false;
    }

    private void scheduleReconnect(Exception cause) {
        log.warn(
                "Cannot listen on {} ({}); polling only, reconnecting in {} ms",
                channels,
                cause.toString(),
                backoff.toMillis());
        reconnectAt = System.nanoTime() + backoff.toNanos();
        backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
    }

    @Override
    public void close() {
        closeQuietly(connection);
        connection = null;
    }

    private static void closeQuietly(Connection connection) {
        if (connection == null) {
            return;
        }
        try {
            connection.close();
        } catch (SQLException e) {
            log.debug("Closing the listener connection failed", e);
        }
    }
}
