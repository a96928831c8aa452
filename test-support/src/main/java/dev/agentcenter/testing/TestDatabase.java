package dev.agentcenter.testing;

import dev.agentcenter.support.DatabaseSettings;
import dev.agentcenter.support.EmbeddedPostgresHost;
import dev.agentcenter.support.EmbeddedPostgresHost.Durability;
import dev.agentcenter.support.PostgresBinaries;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.postgresql.PostgreSQLContainer;

/**
 * The Postgres a test JVM uses, chosen once: {@code DATABASE_URL} when set, else a Testcontainers Postgres when
 * a Docker engine answers, else an embedded Postgres in a temporary directory.
 *
 * <p>Each call to {@link #freshDatabase()} creates a new, empty database on that server, so test classes that
 * need a clean schema do not see each other's rows.
 */
public final class TestDatabase {

    /** Which source was chosen, for tests and for the log. */
    public enum Source {
        DATABASE_URL,
        TESTCONTAINERS,
        EMBEDDED
    }

    private static TestDatabase shared;

    private final Source source;
    private final DatabaseSettings server;

    private TestDatabase(Source source, DatabaseSettings server) {
        this.source = source;
        this.server = server;
    }

    /** The server every test in this JVM shares. */
    public static synchronized TestDatabase shared() {
        if (shared == null) {
            shared = start(System.getenv(), TestDatabase::dockerAnswers);
        }
        return shared;
    }

    /** Decides the source: exposed so the order itself can be tested. */
    public static Source choose(Map<String, String> env, BooleanSupplier dockerAnswers) {
        String url = env.get("DATABASE_URL");
        if (url != null && !url.isBlank()) {
            return Source.DATABASE_URL;
        }
        return dockerAnswers.getAsBoolean() ? Source.TESTCONTAINERS : Source.EMBEDDED;
    }

    static TestDatabase start(Map<String, String> env, BooleanSupplier dockerAnswers) {
        Source source = choose(env, dockerAnswers);
        return switch (source) {
            case DATABASE_URL -> new TestDatabase(source, DatabaseSettings.parse(env.get("DATABASE_URL")));
            case TESTCONTAINERS -> {
                PostgreSQLContainer container = new PostgreSQLContainer("postgres:17-alpine");
                container.start();
                Runtime.getRuntime().addShutdownHook(new Thread(container::stop));
                yield new TestDatabase(
                        source,
                        new DatabaseSettings(container.getJdbcUrl(), container.getUsername(), container.getPassword()));
            }
            case EMBEDDED -> {
                try {
                    Path directory = Files.createTempDirectory("agent-center-test-pg");
                    EmbeddedPostgresHost host = EmbeddedPostgresHost.startOrJoin(
                            directory.resolve("data"), PostgresBinaries.perUserRoot(), Durability.THROWAWAY);
                    // Stop, then delete: each test JVM's cluster is ~50-90 MB that would otherwise pile up in /tmp.
                    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                        host.close();
                        deleteRecursively(directory);
                    }));
                    yield new TestDatabase(source, host.settings());
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        };
    }

    public Source source() {
        return source;
    }

    /** The database the server was opened with. */
    public DatabaseSettings settings() {
        return server;
    }

    /** Creates an empty database on the shared server and returns its settings. */
    public DatabaseSettings freshDatabase() {
        String name = "t_" + UUID.randomUUID().toString().replace("-", "");
        try (var connection = DriverManager.getConnection(server.jdbcUrl(), server.username(), server.password());
                var statement = connection.createStatement()) {
            statement.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("Could not create test database", e);
        }
        String base = server.jdbcUrl();
        int query = base.indexOf('?');
        String suffix = query >= 0 ? base.substring(query) : "";
        String withoutQuery = query >= 0 ? base.substring(0, query) : base;
        String url = withoutQuery.substring(0, withoutQuery.lastIndexOf('/') + 1) + name + suffix;
        return new DatabaseSettings(url, server.username(), server.password());
    }

    private static void deleteRecursively(Path directory) {
        try (var paths = Files.walk(directory)) {
            paths.sorted(java.util.Comparator.reverseOrder())
                    .forEach(path -> path.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            // best effort at JVM exit
        }
    }

    private static boolean dockerAnswers() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | LinkageError e) {
            return false;
        }
    }
}
