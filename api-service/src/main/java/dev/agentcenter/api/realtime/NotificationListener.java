package dev.agentcenter.api.realtime;

import com.zaxxer.hikari.HikariDataSource;
import dev.agentcenter.support.listen.PostgresListener;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * The one LISTEN connection of this API process ({@code run_events}, {@code tasks_changed}), on the shared
 * {@link PostgresListener}'s thread. It is a plain JDBC connection opened with the pool's settings, not a pool
 * connection held forever. When it breaks it reconnects with backoff and then has every followed run read again,
 * since notifications sent meanwhile are lost. Notifications whose payload is not an id are logged and skipped.
 */
@Component
class NotificationListener implements SmartLifecycle {

    private static final String RUN_EVENTS = "run_events";
    private static final String TASKS_CHANGED = "tasks_changed";

    private final DataSource dataSource;
    private final RealtimeHub hub;
    private final RealtimeProperties properties;
    private volatile PostgresListener.Running listener;
    private final AtomicLong resyncs = new AtomicLong();

    NotificationListener(DataSource dataSource, RealtimeHub hub, RealtimeProperties properties) {
        this.dataSource = dataSource;
        this.hub = hub;
        this.properties = properties;
    }

    @Override
    public synchronized void start() {
        if (listener != null) {
            return;
        }
        listener = PostgresListener.start(
                "realtime-listener",
                this::connect,
                List.of(RUN_EVENTS, TASKS_CHANGED),
                batch -> {
                    PostgresListener.uuids(batch, TASKS_CHANGED).forEach(hub::taskChanged);
                    // one read per run per batch, however many commits it got meanwhile
                    PostgresListener.uuids(batch, RUN_EVENTS).forEach(hub::runEventsCommitted);
                },
                // only once LISTEN is active: whatever was committed before is read, whatever comes after is notified
                () -> hub.resync(resyncs.incrementAndGet() > 1),
                null);
    }

    @Override
    public synchronized void stop() {
        if (listener != null) {
            listener.close();
            listener = null;
        }
    }

    @Override
    public boolean isRunning() {
        return listener != null;
    }

    boolean connected() {
        PostgresListener.Running running = listener;
        return running != null && running.connected();
    }

    /** How many times the LISTEN connection was established (1 without reconnects). */
    long connects() {
        PostgresListener.Running running = listener;
        return running == null ? 0 : running.connects();
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
}
