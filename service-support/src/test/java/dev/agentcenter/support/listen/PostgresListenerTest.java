package dev.agentcenter.support.listen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agentcenter.support.DatabaseSettings;
import dev.agentcenter.support.EmbeddedPostgresHost;
import dev.agentcenter.support.PostgresBinaries;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shared LISTEN component against a real Postgres: bad payloads, and a server restart. */
class PostgresListenerTest {

    private static final Duration PATIENCE = Duration.ofSeconds(60);

    @TempDir
    static Path dataDirectory;

    static EmbeddedPostgresHost postgres;

    @BeforeAll
    static void start() {
        postgres = EmbeddedPostgresHost.startOrJoin(
                dataDirectory.resolve("data"),
                PostgresBinaries.perUserRoot(),
                EmbeddedPostgresHost.Durability.THROWAWAY);
    }

    @AfterAll
    static void stop() {
        postgres.close();
    }

    @Test
    void aBadPayloadIsSkippedAndTheConnectionKept() throws Exception {
        List<UUID> heard = new CopyOnWriteArrayList<>();
        AtomicInteger resyncs = new AtomicInteger();
        try (PostgresListener.Running listener = PostgresListener.start(
                "test-listener",
                opener(),
                List.of("ledger_test"),
                batch -> heard.addAll(PostgresListener.uuids(batch, "ledger_test")),
                resyncs::incrementAndGet,
                null)) {
            await().atMost(PATIENCE).until(listener::connected);
            UUID good = UUID.randomUUID();
            notify("ledger_test", "not-a-uuid");
            notify("ledger_test", good.toString());
            await().atMost(PATIENCE).until(() -> heard.contains(good));
            UUID after = UUID.randomUUID();
            notify("ledger_test", after.toString());
            await().atMost(PATIENCE).until(() -> heard.contains(after));
            assertThat(listener.connects())
                    .as("the bad payload did not drop the connection")
                    .isEqualTo(1);
            assertThat(resyncs.get()).as("one resync, at the first connect").isEqualTo(1);
        }
    }

    @Test
    void aHandlerThatThrowsDoesNotDropTheConnection() throws Exception {
        List<String> heard = new CopyOnWriteArrayList<>();
        try (PostgresListener.Running listener = PostgresListener.start(
                "test-listener-throwing",
                opener(),
                List.of("ledger_throw"),
                batch -> {
                    for (PostgresListener.Notification notification : batch) {
                        if (notification.payload().equals("boom")) {
                            throw new IllegalArgumentException("cannot use " + notification.payload());
                        }
                        heard.add(notification.payload());
                    }
                },
                () -> {},
                null)) {
            await().atMost(PATIENCE).until(listener::connected);
            notify("ledger_throw", "boom");
            notify("ledger_throw", "fine");
            await().atMost(PATIENCE).until(() -> heard.contains("fine"));
            assertThat(listener.connects()).isEqualTo(1);
        }
    }

    @Test
    void aPostgresRestartIsSurvivedWithAResync() throws Exception {
        List<UUID> heard = new CopyOnWriteArrayList<>();
        AtomicInteger resyncs = new AtomicInteger();
        try (PostgresListener.Running listener = PostgresListener.start(
                "test-listener-restart",
                opener(),
                List.of("ledger_restart"),
                batch -> heard.addAll(PostgresListener.uuids(batch, "ledger_restart")),
                resyncs::incrementAndGet,
                null)) {
            await().atMost(PATIENCE).until(listener::connected);
            postgres.stopServer();
            postgres.startServer();
            await().atMost(PATIENCE).until(() -> listener.connects() >= 2 && listener.connected());
            await().atMost(PATIENCE).until(() -> resyncs.get() >= 2);
            UUID after = UUID.randomUUID();
            notify("ledger_restart", after.toString());
            await().atMost(PATIENCE).until(() -> heard.contains(after));
        }
    }

    private static PostgresListener.ConnectionOpener opener() {
        DatabaseSettings settings = postgres.settings();
        return PostgresListener.direct(
                settings.jdbcUrl(), settings.username(), settings.password(), "agent-center-listener-test");
    }

    private static void notify(String channel, String payload) throws Exception {
        DatabaseSettings settings = postgres.settings();
        try (Connection connection =
                        DriverManager.getConnection(settings.jdbcUrl(), settings.username(), settings.password());
                PreparedStatement statement = connection.prepareStatement("SELECT pg_notify(?, ?)")) {
            statement.setString(1, channel);
            statement.setString(2, payload);
            statement.execute();
        }
    }
}
