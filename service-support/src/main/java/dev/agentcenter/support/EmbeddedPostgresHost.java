package dev.agentcenter.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An embedded Postgres whose data lives in a directory that survives restarts, run from the binaries that
 * {@link PostgresBinaries} extracts, with {@code initdb} and {@code pg_ctl}.
 *
 * <p>Several processes may point at the same directory (the local stack starts three services): the one that holds
 * {@code <data>.lock} starts the server and owns it, the others find it through {@code postmaster.pid} and join
 * it. A server left behind by a process that was killed is stopped and started again rather than refused. A new
 * cluster is made by {@code initdb} in a staging directory and renamed into place, so an {@code initdb} that was
 * interrupted never leaves a data directory that looks initialized.
 */
public final class EmbeddedPostgresHost implements AutoCloseable {

    /** Whether the server syncs its writes to disk. */
    public enum Durability {
        /** The product's own database: survives a power cut. */
        DURABLE,
        /** Throwaway test clusters: {@code fsync=off}, much faster, lost on a crash. */
        THROWAWAY
    }

    private static final Logger log = LoggerFactory.getLogger(EmbeddedPostgresHost.class);
    private static final String DATABASE = "agent_center";
    private static final String USER = "postgres";
    private static final Duration STARTUP_WAIT = Duration.ofSeconds(60);
    private static final Duration JOIN_WAIT = Duration.ofSeconds(90);

    private final Path binaries;
    private final Path dataDirectory;
    private final FileChannel ownerLock; // null when joined
    private final DatabaseSettings settings;
    private final List<String> serverOptions; // empty when joined

    private EmbeddedPostgresHost(
            Path binaries,
            Path dataDirectory,
            FileChannel ownerLock,
            int port,
            String password,
            List<String> serverOptions) {
        this.binaries = binaries;
        this.dataDirectory = dataDirectory;
        this.ownerLock = ownerLock;
        this.settings = new DatabaseSettings("jdbc:postgresql://127.0.0.1:" + port + "/" + DATABASE, USER, password);
        this.serverOptions = List.copyOf(serverOptions);
    }

    /**
     * Starts a durable server on {@code dataDirectory}, or joins the one another live process already runs there.
     * The binaries are extracted under {@code binariesRoot} when they are not there yet.
     */
    public static EmbeddedPostgresHost startOrJoin(Path dataDirectory, Path binariesRoot) {
        return startOrJoin(dataDirectory, binariesRoot, Durability.DURABLE);
    }

    /** Like {@link #startOrJoin(Path, Path)}, with the given durability for a server this call starts. */
    public static EmbeddedPostgresHost startOrJoin(Path dataDirectory, Path binariesRoot, Durability durability) {
        Path data = dataDirectory.toAbsolutePath().normalize();
        try {
            Files.createDirectories(data.getParent());
            long deadline = System.nanoTime() + JOIN_WAIT.toNanos();
            while (true) {
                FileChannel lock = tryOwnerLock(data);
                if (lock != null) {
                    try {
                        return start(data, PostgresBinaries.prepare(binariesRoot), lock, durability);
                    } catch (IOException | RuntimeException e) {
                        lock.close();
                        throw e;
                    }
                }
                // Another live process owns the directory: it runs the server, or is starting it.
                Optional<Integer> port = portOfLiveServer(data);
                Optional<String> password = readPassword(data);
                if (port.isPresent() && password.isPresent() && ensureDatabase(port.get(), password.get(), false)) {
                    log.info("Joining embedded Postgres on port {} ({})", port.get(), data);
                    return new EmbeddedPostgresHost(null, data, null, port.get(), password.get(), List.of());
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("Another process holds " + lockFile(data) + " but no Postgres"
                            + " answered there within " + JOIN_WAIT.toSeconds() + " s");
                }
                TimeUnit.MILLISECONDS.sleep(100);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Could not start embedded Postgres in " + data, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while waiting for embedded Postgres in " + data, e);
        }
    }

    private static EmbeddedPostgresHost start(Path data, Path binaries, FileChannel lock, Durability durability)
            throws IOException, InterruptedException {
        if (portOfLiveServer(data).isPresent()) {
            log.warn("Stopping an embedded Postgres left running by a process that ended ({})", data);
            stopOrphan(data);
        }
        String password = passwordOf(data);
        boolean fresh = !Files.isRegularFile(data.resolve("PG_VERSION"));
        if (fresh) {
            initdb(binaries, data);
        }
        int port = freePort();
        List<String> options = new ArrayList<>(List.of(
                "-p",
                Integer.toString(port),
                "-c",
                "listen_addresses=127.0.0.1",
                "-c",
                "unix_socket_directories=''",
                "-c",
                "max_connections=200"));
        if (durability == Durability.THROWAWAY) {
            options.add("-F"); // fsync off
        }
        long begin = System.nanoTime();
        pgCtlStart(binaries, data, options);
        EmbeddedPostgresHost host = new EmbeddedPostgresHost(binaries, data, lock, port, password, options);
        if (!fresh) {
            requirePassword(data, port, password);
        }
        ensureDatabase(port, password, true);
        log.info(
                "Embedded Postgres started on port {} in {} ms ({})",
                port,
                (System.nanoTime() - begin) / 1_000_000,
                data);
        return host;
    }

    private static void pgCtlStart(Path binaries, Path data, List<String> options)
            throws IOException, InterruptedException {
        run(
                binaries,
                "pg_ctl",
                "-D",
                data.toString(),
                "-l",
                serverLog(data).toString(),
                "-o",
                String.join(" ", options),
                "-w",
                "-t",
                Long.toString(STARTUP_WAIT.toSeconds()),
                "start");
    }

    /**
     * Stops the server this process started ({@code pg_ctl stop -m fast}: open connections are cut), keeping its
     * data directory, port and owner lock, so that {@link #startServer()} brings the same database back at the same
     * address. For fault tests: this is what a Postgres outage or restart looks like to the services.
     */
    public void stopServer() {
        requireOwner();
        try {
            run(binaries, "pg_ctl", "-D", dataDirectory.toString(), "-m", "fast", "-t", "30", "-w", "stop");
        } catch (IOException e) {
            throw new UncheckedIOException("Could not stop embedded Postgres in " + dataDirectory, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Starts the server again after {@link #stopServer()}, on the same port with the same settings. */
    public void startServer() {
        requireOwner();
        try {
            pgCtlStart(binaries, dataDirectory, serverOptions);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not start embedded Postgres in " + dataDirectory, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private void requireOwner() {
        if (ownerLock == null) {
            throw new IllegalStateException("Only the process that started the server can stop or start it");
        }
    }

    /** {@code initdb} into a staging directory beside {@code data}, then renamed to it (which must be empty). */
    private static void initdb(Path binaries, Path data) throws IOException, InterruptedException {
        Path parent = data.getParent();
        String prefix = "." + data.getFileName() + ".initdb-";
        try (var siblings = Files.list(parent)) {
            for (Path sibling : siblings.toList()) {
                if (sibling.getFileName().toString().startsWith(prefix)) {
                    log.info("Removing an interrupted initdb: {}", sibling);
                    PostgresBinaries.deleteRecursively(sibling);
                }
            }
        }
        if (Files.isDirectory(data)) {
            try (var entries = Files.list(data)) {
                List<Path> left = entries.toList();
                // A server log alone is what a failed start leaves; anything else may be someone's data.
                if (!left.stream().allMatch(path -> path.equals(serverLog(data)))) {
                    throw new IOException(data + " is neither empty nor a Postgres data directory (no PG_VERSION)");
                }
                for (Path path : left) {
                    Files.delete(path);
                }
            }
        }
        Path staging = Files.createTempDirectory(parent, prefix);
        long begin = System.nanoTime();
        run(
                binaries,
                "initdb",
                "--auth=scram-sha-256",
                "--pwfile=" + passwordFile(data),
                "-U",
                USER,
                "-E",
                "UTF8",
                "--no-locale",
                "-D",
                staging.toString());
        Files.move(staging, data, StandardCopyOption.ATOMIC_MOVE);
        log.info("Created a Postgres cluster in {} ({} ms)", data, (System.nanoTime() - begin) / 1_000_000);
    }

    public DatabaseSettings settings() {
        return settings;
    }

    /** True when this process started the server (and stops it on close). */
    public boolean owner() {
        return ownerLock != null;
    }

    /** The file that holds the superuser's password (mode 600). */
    public Path passwordFile() {
        return passwordFile(dataDirectory);
    }

    @Override
    public void close() {
        if (ownerLock == null) {
            return;
        }
        try {
            run(binaries, "pg_ctl", "-D", dataDirectory.toString(), "-m", "fast", "-t", "30", "-w", "stop");
        } catch (IOException | RuntimeException e) {
            log.warn("Could not stop embedded Postgres cleanly", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            try {
                ownerLock.close();
            } catch (IOException e) {
                // released with the process anyway
            }
        }
    }

    private static Path passwordFile(Path data) {
        return data.resolveSibling(data.getFileName() + ".password");
    }

    /** The superuser's password, generated on first use and kept beside the data directory (mode 600). */
    private static String passwordOf(Path data) throws IOException {
        Path file = passwordFile(data);
        Optional<String> existing = readPassword(data);
        if (existing.isPresent()) {
            return existing.get();
        }
        byte[] random = new byte[24];
        new SecureRandom().nextBytes(random);
        String password = HexFormat.of().formatHex(random);
        Path temporary = Files.createTempFile(file.getParent(), ".postgres-password", ".tmp"); // created mode 600
        Files.writeString(temporary, password + "\n");
        Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE);
        return password;
    }

    private static Optional<String> readPassword(Path data) throws IOException {
        try {
            String password = Files.readString(passwordFile(data)).strip();
            return password.isEmpty() ? Optional.empty() : Optional.of(password);
        } catch (java.nio.file.NoSuchFileException e) {
            return Optional.empty();
        }
    }

    /**
     * Clusters made before passwords (initdb -A trust) let any local process in as the superuser, which could
     * queue runs, register a fake runner or read the sealed secrets. They get the password and SCRAM on their next
     * start: the role's password is set while trust still lets us in, then pg_hba.conf is rewritten and reloaded.
     */
    private static void requirePassword(Path data, int port, String password) throws IOException {
        Path hba = data.resolve("pg_hba.conf");
        String rules = Files.readString(hba);
        boolean trusting = rules.lines()
                .map(String::strip)
                .anyMatch(line -> !line.startsWith("#") && line.matches(".*\\strust\\s*$"));
        if (!trusting) {
            return;
        }
        String url = "jdbc:postgresql://127.0.0.1:" + port + "/postgres?connectTimeout=5";
        try (Connection connection = DriverManager.getConnection(url, USER, password);
                var statement = connection.createStatement()) {
            statement.execute("SET password_encryption = 'scram-sha-256'");
            // The password is hex: nothing in it can end the literal.
            statement.execute("ALTER ROLE " + USER + " PASSWORD '" + password + "'");
            StringBuilder secured = new StringBuilder();
            rules.lines()
                    .forEach(line -> secured.append(
                                    line.strip().startsWith("#")
                                            ? line
                                            : line.replaceAll("\\btrust\\s*$", "scram-sha-256"))
                            .append('\n'));
            Files.writeString(hba, secured);
            statement.execute("SELECT pg_reload_conf()");
        } catch (SQLException e) {
            throw new IOException("Could not give the embedded Postgres a password", e);
        }
        log.info("The embedded Postgres now requires a password (SCRAM), kept in {}", passwordFile(data));
    }

    private static Path lockFile(Path data) {
        return data.resolveSibling(data.getFileName() + ".lock");
    }

    private static Path serverLog(Path data) {
        return data.resolve("server.log");
    }

    /** The owner lock, held open for the life of the owner; {@code null} when another process holds it. */
    private static FileChannel tryOwnerLock(Path data) throws IOException {
        FileChannel channel = FileChannel.open(lockFile(data), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        try {
            FileLock lock = channel.tryLock();
            if (lock != null) {
                return channel;
            }
        } catch (OverlappingFileLockException e) {
            // held by this very JVM: join like any other process would
        }
        channel.close();
        return null;
    }

    /**
     * Creates the product's database unless it exists; false when the server does not answer (yet) and {@code
     * required} is false.
     */
    private static boolean ensureDatabase(int port, String password, boolean required) {
        String url = "jdbc:postgresql://127.0.0.1:" + port + "/postgres?connectTimeout=5";
        try (Connection connection = DriverManager.getConnection(url, USER, password)) {
            try (var statement = connection.createStatement();
                    var rows = statement.executeQuery("SELECT 1 FROM pg_database WHERE datname = '" + DATABASE + "'")) {
                if (rows.next()) {
                    return true;
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
            return true;
        } catch (SQLException e) {
            if (required) {
                throw new IllegalStateException("Could not prepare database " + DATABASE + " on port " + port, e);
            }
            return false;
        }
    }

    /** The port from {@code postmaster.pid} when the process it names is alive. */
    private static Optional<Integer> portOfLiveServer(Path data) throws IOException {
        Path pidFile = data.resolve("postmaster.pid");
        List<String> lines;
        try {
            lines = Files.readAllLines(pidFile);
        } catch (java.nio.file.NoSuchFileException e) {
            return Optional.empty();
        }
        if (lines.size() < 4) {
            return Optional.empty(); // being written
        }
        try {
            long pid = Long.parseLong(lines.get(0).strip());
            boolean alive = ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
            return alive ? Optional.of(Integer.parseInt(lines.get(3).strip())) : Optional.empty();
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    private static void stopOrphan(Path data) throws IOException {
        long pid = Long.parseLong(
                Files.readAllLines(data.resolve("postmaster.pid")).get(0).strip());
        ProcessHandle.of(pid).ifPresent(handle -> {
            handle.destroy(); // SIGTERM = Postgres "smart" shutdown
            try {
                handle.onExit().get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                handle.destroyForcibly();
            }
        });
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** Runs one of the Postgres programs to its end; its output becomes the exception's message on failure. */
    private static void run(Path binaries, String program, String... arguments)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(AsNonRoot.PREFIX);
        command.add(binaries.resolve("bin").resolve(program).toString());
        command.addAll(List.of(arguments));
        Path output = Files.createTempFile("agent-center-" + program, ".log");
        try {
            Process process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(output.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .start();
            if (!process.waitFor(2, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                throw new IOException(program + " did not finish within 2 minutes");
            }
            if (process.exitValue() != 0) {
                throw new IOException(program + " failed with exit code " + process.exitValue() + ": "
                        + Files.readString(output).strip());
            }
        } finally {
            Files.deleteIfExists(output);
        }
    }

    /**
     * Postgres refuses to run as root. As root, each program runs in a new user namespace ({@code unshare -U}),
     * where it is the unmapped "nobody" and so starts, while its files still belong to root on disk.
     */
    private static final class AsNonRoot {
        static final List<String> PREFIX = prefix();

        private static List<String> prefix() {
            try {
                if (!Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"))) {
                    return List.of();
                }
                Process probe = new ProcessBuilder("unshare", "-U", "true")
                        .redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .start();
                if (probe.waitFor(10, TimeUnit.SECONDS) && probe.exitValue() == 0) {
                    return List.of("unshare", "-U");
                }
            } catch (IOException | UnsupportedOperationException e) {
                // no /proc or no unshare: run as we are, and let Postgres say what it thinks of that
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            log.warn("Running as root without user namespaces (unshare -U): Postgres will refuse to start."
                    + " Run Agent Center as a normal user, or set DATABASE_URL.");
            return List.of();
        }
    }
}
