package dev.agentcenter.support;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An embedded Postgres whose data lives in a directory that survives restarts.
 *
 * <p>Several processes may point at the same directory (the local stack starts three services): the first one
 * starts the server and owns it, the others find it through {@code postmaster.pid} and join it. A server left
 * behind by a process that was killed is stopped and started again rather than refused.
 */
public final class EmbeddedPostgresHost implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedPostgresHost.class);
    private static final String DATABASE = "agent_center";
    private static final String USER = "postgres";
    private static final String LOCK_FILE = "epg-lock";

    private final EmbeddedPostgres owned;
    private final DatabaseSettings settings;

    private EmbeddedPostgresHost(EmbeddedPostgres owned, DatabaseSettings settings) {
        this.owned = owned;
        this.settings = settings;
    }

    /** Starts a server on {@code dataDirectory}, or joins the one another live process already runs there. */
    public static EmbeddedPostgresHost startOrJoin(Path dataDirectory) {
        try {
            Files.createDirectories(dataDirectory);
            Optional<Integer> runningPort = portOfLiveServer(dataDirectory);
            if (runningPort.isPresent()) {
                if (isLockedByAnotherProcess(dataDirectory)) {
                    log.info("Joining embedded Postgres on port {} ({})", runningPort.get(), dataDirectory);
                    return joined(runningPort.get());
                }
                log.warn("Stopping an embedded Postgres left running by a process that ended ({})", dataDirectory);
                stopOrphan(dataDirectory);
            }
            EmbeddedPostgres postgres = EmbeddedPostgres.builder()
                    .setDataDirectory(dataDirectory)
                    .setCleanDataDirectory(false)
                    .setPGStartupWait(Duration.ofSeconds(60))
                    .setServerConfig("max_connections", "200")
                    .setServerConfig("listen_addresses", "127.0.0.1")
                    .setServerConfig("unix_socket_directories", "")
                    .start();
            ensureDatabase(postgres.getPort());
            return new EmbeddedPostgresHost(postgres, settingsFor(postgres.getPort()));
        } catch (IOException e) {
            throw new UncheckedIOException("Could not start embedded Postgres in " + dataDirectory, e);
        }
    }

    private static EmbeddedPostgresHost joined(int port) {
        ensureDatabase(port);
        return new EmbeddedPostgresHost(null, settingsFor(port));
    }

    public DatabaseSettings settings() {
        return settings;
    }

    /** True when this process started the server (and stops it on close). */
    public boolean owner() {
        return owned != null;
    }

    @Override
    public void close() {
        if (owned == null) {
            return;
        }
        try {
            owned.close();
        } catch (IOException e) {
            log.warn("Could not stop embedded Postgres cleanly", e);
        }
    }

    private static DatabaseSettings settingsFor(int port) {
        return new DatabaseSettings("jdbc:postgresql://127.0.0.1:" + port + "/" + DATABASE, USER, null);
    }

    private static void ensureDatabase(int port) {
        String url = "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
        try (Connection connection = DriverManager.getConnection(url, USER, null)) {
            try (var statement = connection.createStatement();
                    var rows = statement.executeQuery("SELECT 1 FROM pg_database WHERE datname = '" + DATABASE + "'")) {
                if (rows.next()) {
                    return;
                }
            }
            try (var statement = connection.createStatement()) {
                statement.execute("CREATE DATABASE " + DATABASE);
            } catch (SQLException e) {
                // Two services starting together may both try; 42P04 = duplicate_database.
                if (!"42P04".equals(e.getSQLState())) {
                    throw e;
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("Could not prepare database " + DATABASE + " on port " + port, e);
        }
    }

    /** The port from {@code postmaster.pid} when the process it names is alive. */
    private static Optional<Integer> portOfLiveServer(Path dataDirectory) throws IOException {
        Path pidFile = dataDirectory.resolve("postmaster.pid");
        if (!Files.exists(pidFile)) {
            return Optional.empty();
        }
        List<String> lines = Files.readAllLines(pidFile);
        if (lines.size() < 4) {
            return Optional.empty();
        }
        long pid = Long.parseLong(lines.get(0).strip());
        boolean alive = ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
        return alive ? Optional.of(Integer.parseInt(lines.get(3).strip())) : Optional.empty();
    }

    private static boolean isLockedByAnotherProcess(Path dataDirectory) throws IOException {
        Path lockFile = dataDirectory.resolve(LOCK_FILE);
        if (!Files.exists(lockFile)) {
            return false;
        }
        try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.WRITE)) {
            FileLock lock = channel.tryLock();
            if (lock == null) {
                return true;
            }
            lock.release();
            return false;
        } catch (java.nio.channels.OverlappingFileLockException e) {
            return true; // held by this very JVM
        }
    }

    private static void stopOrphan(Path dataDirectory) throws IOException {
        long pid = Long.parseLong(Files.readAllLines(dataDirectory.resolve("postmaster.pid"))
                .get(0)
                .strip());
        ProcessHandle.of(pid).ifPresent(handle -> {
            handle.destroy(); // SIGTERM = Postgres "smart" shutdown
            try {
                handle.onExit().get(30, java.util.concurrent.TimeUnit.SECONDS);
            } catch (Exception e) {
                handle.destroyForcibly();
            }
        });
    }
}
