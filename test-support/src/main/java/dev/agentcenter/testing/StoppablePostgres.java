package dev.agentcenter.testing;

import dev.agentcenter.support.DatabaseSettings;
import dev.agentcenter.support.EmbeddedPostgresHost;
import dev.agentcenter.support.EmbeddedPostgresHost.Durability;
import dev.agentcenter.support.PostgresBinaries;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;

/**
 * A Postgres of one test's own, which the test may stop and start again (same data, same port) to see what an
 * outage does to the services: unlike {@link TestDatabase#shared()}, nobody else depends on it.
 */
public final class StoppablePostgres implements AutoCloseable {

    private final Path directory;
    private final EmbeddedPostgresHost host;
    private volatile boolean running = true;

    private StoppablePostgres(Path directory, EmbeddedPostgresHost host) {
        this.directory = directory;
        this.host = host;
    }

    /** Starts a fresh embedded cluster in a temporary directory. */
    public static StoppablePostgres start() {
        try {
            Path directory = Files.createTempDirectory("agent-center-outage-pg");
            EmbeddedPostgresHost host = EmbeddedPostgresHost.startOrJoin(
                    directory.resolve("data"), PostgresBinaries.perUserRoot(), Durability.THROWAWAY);
            return new StoppablePostgres(directory, host);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public DatabaseSettings settings() {
        return host.settings();
    }

    /** {@code pg_ctl stop -m fast}: every connection is cut, new ones are refused until {@link #startAgain()}. */
    public void stop() {
        host.stopServer();
        running = false;
    }

    /** The same cluster on the same port again. */
    public void startAgain() {
        host.startServer();
        running = true;
    }

    public boolean running() {
        return running;
    }

    @Override
    public void close() {
        if (running) {
            host.close();
        }
        try (var paths = Files.walk(directory)) {
            paths.sorted(Comparator.reverseOrder())
                    .forEach(path -> path.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            // best effort
        }
    }
}
