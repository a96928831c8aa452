package dev.agentcenter.worker;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.agentcenter.support.DatabaseSettings;
import dev.agentcenter.support.ledger.RunEvents;
import dev.agentcenter.testing.TestDatabase;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.flywaydb.core.Flyway;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A fresh, migrated database on the shared test Postgres, a small pool on it, and the rows tests need (inserted
 * with SQL, as the API would have).
 */
public final class TestWorld implements AutoCloseable {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    public final DatabaseSettings settings;
    public final HikariDataSource dataSource;
    public final JdbcClient db;
    public final TransactionTemplate transactions;
    public final RunEvents events;

    private TestWorld(DatabaseSettings settings) {
        this.settings = settings;
        Flyway.configure()
                .dataSource(settings.jdbcUrl(), settings.username(), settings.password())
                .locations("classpath:db/migration")
                .load()
                .migrate();
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(settings.jdbcUrl());
        config.setUsername(settings.username());
        config.setPassword(settings.password());
        config.setMaximumPoolSize(12);
        config.setMinimumIdle(1);
        this.dataSource = new HikariDataSource(config);
        this.db = JdbcClient.create(dataSource);
        this.transactions = new TransactionTemplate(new DataSourceTransactionManager(dataSource));
        this.events = new RunEvents(dataSource);
    }

    public static TestWorld create() {
        return new TestWorld(TestDatabase.shared().freshDatabase());
    }

    /** A world on a database of the test's own (e.g. one it stops and starts). */
    public static TestWorld on(DatabaseSettings settings) {
        return new TestWorld(settings);
    }

    /** Settings as in production, except for the ones a test passes. */
    public static Settings settings() {
        return new Settings();
    }

    public UUID workspace() {
        String slug = "ws-" + UUID.randomUUID().toString().substring(0, 8);
        return db.sql("INSERT INTO workspaces (slug, name) VALUES (:slug, 'Test') RETURNING id")
                .param("slug", slug)
                .query(UUID.class)
                .single();
    }

    public UUID task(UUID workspace) {
        return db.sql("INSERT INTO tasks (workspace_id, title) VALUES (:ws, 'A task') RETURNING id")
                .param("ws", workspace)
                .query(UUID.class)
                .single();
    }

    /** A task with one queued run (attempt 1), as {@code POST /api/runs} leaves it. */
    public UUID queuedRun(UUID workspace) {
        UUID task = task(workspace);
        return db.sql("""
                        INSERT INTO runs (task_id, attempt, status, permission_mode, config)
                        VALUES (:task, 1, 'queued', 'safe', '{"commands":[{"command":"echo hi"}]}')
                        RETURNING id""").param("task", task).query(UUID.class).single();
    }

    public UUID runner(String name, String baseUrl, int capacity) {
        return db.sql("""
                        INSERT INTO runners (name, base_url, status, capacity, last_heartbeat_at)
                        VALUES (:name, :url, 'online', :capacity, now()) RETURNING id""")
                .param("name", name)
                .param("url", baseUrl)
                .param("capacity", capacity)
                .query(UUID.class)
                .single();
    }

    public String status(UUID run) {
        return db.sql("SELECT status FROM runs WHERE id = :id")
                .param("id", run)
                .query(String.class)
                .single();
    }

    public Map<String, Object> run(UUID run) {
        return db.sql("SELECT * FROM runs WHERE id = :id")
                .param("id", run)
                .query()
                .singleRow();
    }

    /** A run's events in sequence order. */
    public List<Event> events(UUID run) {
        return db.sql("SELECT sequence, event_type, level, message, payload::text AS payload FROM run_events"
                        + " WHERE run_id = :id ORDER BY sequence")
                .param("id", run)
                .query((rs, row) -> new Event(
                        rs.getLong("sequence"),
                        rs.getString("event_type"),
                        rs.getString("level"),
                        rs.getString("message"),
                        JSON.readTree(rs.getString("payload"))))
                .list();
    }

    public record Event(long sequence, String type, String level, String message, JsonNode payload) {}

    @Override
    public void close() {
        dataSource.close();
    }

    /** Builds {@link WorkerProperties} with production defaults and a few overrides. */
    public static final class Settings {
        private Duration pollInterval = Duration.ofSeconds(60);
        private Duration leaseSweepInterval = Duration.ofSeconds(5);
        private Duration automationInterval = Duration.ofSeconds(5);
        private int dispatchMaxAttempts = 5;
        private String token = "test-runner-token";
        private Duration runLease = Duration.ofSeconds(30);
        private int claimBatchSize = 10;
        private Duration dispatchTimeout = Duration.ofSeconds(5);
        private Duration runnerStaleAfter = Duration.ofSeconds(30);

        public Settings pollInterval(Duration value) {
            pollInterval = value;
            return this;
        }

        public Settings automationInterval(Duration value) {
            automationInterval = value;
            return this;
        }

        public Settings dispatchMaxAttempts(int value) {
            dispatchMaxAttempts = value;
            return this;
        }

        public Settings token(String value) {
            token = value;
            return this;
        }

        public Settings claimBatchSize(int value) {
            claimBatchSize = value;
            return this;
        }

        public Settings dispatchTimeout(Duration value) {
            dispatchTimeout = value;
            return this;
        }

        public WorkerProperties build() {
            return new WorkerProperties(
                    pollInterval,
                    leaseSweepInterval,
                    automationInterval,
                    dispatchMaxAttempts,
                    token,
                    runLease,
                    claimBatchSize,
                    dispatchTimeout,
                    runnerStaleAfter);
        }
    }
}
