package dev.agentcenter.api.realtime;

import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * The one LISTEN connection of this API process ({@code run_events}, {@code tasks_changed}), on its own thread. It
 * is a plain JDBC connection opened with the pool's settings, not a pool connection held forever. When it breaks it
 * reconnects with backoff and then has every followed run read again, since notifications sent meanwhile are lost.
 */
@Component
class NotificationListener implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(NotificationListener.class);
    private static final int WAIT_MILLIS = 500;
    /** Without notifications for this long the connection is checked with a query, to notice a dead one. */
    private static final Duration IDLE_CHECK = Duration.ofSeconds(10);

    private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);

    private final DataSource dataSource;
    private final RealtimeHub hub;
    private final RealtimeProperties properties;
    private final AtomicLong connects = new AtomicLong();
    private volatile boolean running;
    private volatile boolean connected;
    private volatile Connection connection;
    private Thread thread;

    NotificationListener(DataSource dataSource, RealtimeHub hub, RealtimeProperties properties) {
        this.dataSource = dataSource;
        this.hub = hub;
        this.properties = properties;
    }

    @Override
    public synchronized void start() {
        if (running) {
            return;
        }
        running = true;
        thread = Thread.ofPlatform().daemon().name("realtime-listener").start(this::run);
    }

    @Override
    public void stop() {
        Thread listening;
        synchronized (this) {
            if (!running) {
                return;
            }
            running = false;
            listening = thread;
        }
        closeQuietly(connection);
        listening.interrupt();
        try {
            listening.join(Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    boolean connected() {
        return connected;
    }

    /** How many times the LISTEN connection was established (1 without reconnects). */
    long connects() {
        return connects.get();
    }

    private void run() {
        long backoffMillis = 100;
        while (running) {
            try (Connection c = connect()) {
                connection = c;
                try (Statement statement = c.createStatement()) {
                    statement.execute("LISTEN run_events");
                    statement.execute("LISTEN tasks_changed");
                }
                connected = true;
                boolean reconnect = connects.incrementAndGet() > 1;
                if (reconnect) {
                    log.info("realtime LISTEN connection re-established; re-reading every followed run");
                }
                backoffMillis = 100;
                // only now that LISTEN is active: whatever was committed before is read, whatever comes after is
                // notified
                hub.resync(reconnect);
                listen(c);
            } catch (SQLException | RuntimeException e) {
                connected = false;
                if (!running) {
                    return;
                }
                log.warn("realtime LISTEN connection lost ({}); reconnecting in {} ms", e.toString(), backoffMillis);
                try {
                    Thread.sleep(backoffMillis);
                } catch (InterruptedException interrupted) {
                    return;
                }
                backoffMillis = Math.min(backoffMillis * 2, MAX_BACKOFF.toMillis());
            } finally {
                connected = false;
                connection = null;
            }
        }
    }

    private void listen(Connection c) throws SQLException {
        PGConnection pg = c.unwrap(PGConnection.class);
        long quietSince = System.nanoTime();
        while (running) {
            PGNotification[] batch = pg.getNotifications(WAIT_MILLIS);
            if (batch == null || batch.length == 0) {
                if (System.nanoTime() - quietSince > IDLE_CHECK.toNanos()) {
                    try (Statement statement = c.createStatement()) {
                        statement.execute("SELECT 1");
                    }
                    quietSince = System.nanoTime();
                }
                continue;
            }
            quietSince = System.nanoTime();
            // one read per run per batch, however many commits it got meanwhile
            Set<UUID> runs = new LinkedHashSet<>();
            for (PGNotification notification : batch) {
                UUID id = parse(notification.getParameter());
                if (id == null) {
                    continue;
                }
                if (notification.getName().equals("run_events")) {
                    runs.add(id);
                } else if (notification.getName().equals("tasks_changed")) {
                    hub.taskChanged(id);
                }
            }
            runs.forEach(hub::runEventsCommitted);
        }
    }

    private Connection connect() throws SQLException {
        Connection c;
        HikariDataSource hikari =
                dataSource.isWrapperFor(HikariDataSource.class) ? dataSource.unwrap(HikariDataSource.class) : null;
        if (hikari != null && hikari.getJdbcUrl() != null) {
            Properties settings = new Properties();
            settings.putAll(hikari.getDataSourceProperties());
            if (hikari.getUsername() != null) {
                settings.setProperty("user", hikari.getUsername());
            }
            if (hikari.getPassword() != null) {
                settings.setProperty("password", hikari.getPassword());
            }
            settings.setProperty("ApplicationName", properties.listenerApplicationName());
            settings.setProperty("tcpKeepAlive", "true");
            c = DriverManager.getConnection(hikari.getJdbcUrl(), settings);
        } else {
            // not a Hikari pool: own one of its connections for as long as it lives
            c = dataSource.getConnection();
            try (var statement = c.prepareStatement("SELECT set_config('application_name', ?, false)")) {
                statement.setString(1, properties.listenerApplicationName());
                statement.execute();
            }
        }
        c.setAutoCommit(true);
        return c;
    }

    private static UUID parse(String payload) {
        try {
            return UUID.fromString(payload.strip());
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static void closeQuietly(Connection c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (SQLException ignored) {
            // shutting down
        }
    }
}
