package dev.agentcenter.support.listen;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code LISTEN} on one dedicated connection, outside the pool (a pooled one could be recycled and lose its
 * LISTEN), used by all three services. pgjdbc has no asynchronous notifications, so the owner thread waits in
 * {@link PGConnection#getNotifications(int)}; {@link #start} gives it a thread of its own.
 *
 * <p>When the connection breaks it reconnects with exponential backoff and reports the reconnect, because
 * notifications sent while it was away are lost and the owner must read the table again (resync). A dead TCP peer
 * makes {@code getNotifications} simply time out forever, so a quiet connection is checked now and then. A
 * notification a handler cannot use (a bad payload) is logged and skipped: it never drops the connection.
 *
 * <p>Not thread-safe: one thread owns it.
 */
public final class PostgresListener implements AutoCloseable {

    /** Opens a fresh connection. */
    @FunctionalInterface
    public interface ConnectionOpener {
        Connection open() throws SQLException;
    }

    /** One notification. */
    public record Notification(String channel, String payload) {}

    /** Takes the notifications that arrived together; may throw for a bad one (logged, skipped). */
    @FunctionalInterface
    public interface Handler {
        void handle(List<Notification> batch);
    }

    /** What {@link #await} saw. */
    public enum Wake {
        /** Notifications arrived (and were handed to the handler). */
        NOTIFIED,
        /** It (re)connected: notifications may have been missed, read the table again. */
        CONNECTED,
        /** Nothing within the time given, or asked to stop. */
        NOTHING
    }

    private static final Logger log = LoggerFactory.getLogger(PostgresListener.class);
    private static final long SLICE_NANOS = Duration.ofMillis(200).toNanos();
    private static final Duration MIN_BACKOFF = Duration.ofMillis(100);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);
    private static final long VALIDATE_EVERY_NANOS = Duration.ofSeconds(10).toNanos();

    private final ConnectionOpener opener;
    private final List<String> channels;
    /** Reconnects of every listener in this process, for the services' {@code agentcenter.listen.reconnects}. */
    private static final AtomicLong RECONNECTS = new AtomicLong();

    private final AtomicLong connects = new AtomicLong();
    private volatile Connection connection;
    private Duration backoff = MIN_BACKOFF;
    private long reconnectAt = System.nanoTime();
    private long validatedAt;

    public PostgresListener(ConnectionOpener opener, List<String> channels) {
        this.opener = opener;
        this.channels = List.copyOf(channels);
    }

    /**
     * Opens connections with the driver directly (never from a pool), with TCP keep-alive.
     *
     * @param applicationName shown in {@code pg_stat_activity}
     */
    public static ConnectionOpener direct(String url, String username, String password, String applicationName) {
        return () -> {
            Properties settings = new Properties();
            if (username != null) {
                settings.setProperty("user", username);
            }
            if (password != null) {
                settings.setProperty("password", password);
            }
            settings.setProperty("ApplicationName", applicationName);
            settings.setProperty("tcpKeepAlive", "true");
            return DriverManager.getConnection(url, settings);
        };
    }

    /**
     * Connects and listens unless already listening, if the backoff allows.
     *
     * @return true when it has just (re)connected: notifications may have been missed in between
     */
    public boolean ensureListening() {
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
            if (connects.incrementAndGet() > 1) {
                RECONNECTS.incrementAndGet();
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

    public boolean listening() {
        return connection != null;
    }

    /** How many times the LISTEN connection was established (1 without reconnects). */
    public long connects() {
        return connects.get();
    }

    /** How many times any listener of this process listened again after its connection broke. */
    public static long reconnectsInProcess() {
        return RECONNECTS.get();
    }

    /**
     * Waits until notifications arrive (handed to {@code handler}, which may be {@code null}), the listener
     * reconnects, {@code max} passes or {@code stop} says so. The wait is cut into short slices so that a stop
     * request is seen promptly.
     */
    public Wake await(Duration max, BooleanSupplier stop, Handler handler) {
        long deadline = System.nanoTime() + Math.max(0, max.toNanos());
        while (!stop.getAsBoolean()) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return Wake.NOTHING;
            }
            long slice = Math.min(left, SLICE_NANOS);
            if (connection == null) {
                if (ensureListening()) {
                    return Wake.CONNECTED;
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
                    validatedAt = System.nanoTime();
                    deliver(notifications, handler);
                    return Wake.NOTIFIED;
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
        return Wake.NOTHING;
    }

    private void deliver(PGNotification[] notifications, Handler handler) {
        if (handler == null) {
            return;
        }
        List<Notification> batch = new ArrayList<>(notifications.length);
        for (PGNotification notification : notifications) {
            batch.add(new Notification(notification.getName(), notification.getParameter()));
        }
        try {
            handler.handle(batch);
        } catch (RuntimeException e) {
            log.warn("Skipped notifications on {} the handler could not use: {}", channels, e.toString());
        }
    }

    /**
     * The payloads of one channel's notifications read as UUIDs, in order and without repeats; a payload that is
     * not one is logged and skipped.
     */
    public static List<UUID> uuids(List<Notification> batch, String channel) {
        List<UUID> ids = new ArrayList<>();
        for (Notification notification : batch) {
            if (!notification.channel().equals(channel)) {
                continue;
            }
            try {
                UUID id = UUID.fromString(notification.payload().strip());
                if (!ids.contains(id)) {
                    ids.add(id);
                }
            } catch (RuntimeException e) {
                log.warn("Skipped a notification on {} whose payload is not a UUID", channel);
            }
        }
        return ids;
    }

    /**
     * Listens on a thread of its own until closed: hands notifications to {@code handler} and calls {@code resync}
     * after every (re)connect (the first included: whatever was committed before LISTEN was active is read then) and
     * every {@code tick} ({@code null}: only after a (re)connect).
     */
    public static Running start(
            String threadName,
            ConnectionOpener opener,
            List<String> channels,
            Handler handler,
            Runnable resync,
            Duration tick) {
        return new Running(threadName, new PostgresListener(opener, channels), handler, resync, tick);
    }

    /** A listener on its own thread. */
    public static final class Running implements AutoCloseable {

        private final PostgresListener listener;
        private final Thread thread;
        private volatile boolean stopping;

        private Running(String name, PostgresListener listener, Handler handler, Runnable resync, Duration tick) {
            this.listener = listener;
            // without a tick, resync only after a (re)connect
            long every = (tick == null ? Duration.ofDays(1) : tick).toNanos();
            this.thread = Thread.ofPlatform().daemon().name(name).start(() -> {
                long nextTick = System.nanoTime() + every;
                while (!stopping) {
                    Duration wait = Duration.ofNanos(Math.max(1, nextTick - System.nanoTime()));
                    Wake wake = listener.await(wait, () -> stopping, handler);
                    if (wake == Wake.CONNECTED || (tick != null && System.nanoTime() - nextTick >= 0)) {
                        nextTick = System.nanoTime() + every;
                        safely(resync);
                    }
                }
                listener.close();
            });
        }

        public boolean connected() {
            return listener.listening();
        }

        /** How many times the LISTEN connection was established (1 without reconnects). */
        public long connects() {
            return listener.connects();
        }

        @Override
        public void close() {
            stopping = true;
            try {
                thread.join(Duration.ofSeconds(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        private static void safely(Runnable resync) {
            try {
                resync.run();
            } catch (RuntimeException e) {
                log.warn("Resync after LISTEN failed: {}", e.toString());
            }
        }
    }

    private void scheduleReconnect(Exception cause) {
        log.warn("Cannot listen on {} ({}); reconnecting in {} ms", channels, cause.toString(), backoff.toMillis());
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
