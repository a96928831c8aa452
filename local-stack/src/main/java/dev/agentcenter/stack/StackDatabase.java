package dev.agentcenter.stack;

import dev.agentcenter.support.DatabaseSettings;
import dev.agentcenter.support.EmbeddedPostgresHost;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The stack's Postgres: the one in {@code DATABASE_URL}, or an embedded one in {@code <data>/postgres} that this
 * launcher starts (or joins, when another process already runs it) and stops on {@link #close()}. Start and close
 * are serialised so that a Ctrl-C during the start never leaves a Postgres running behind.
 */
final class StackDatabase {

    private final Console console;
    private EmbeddedPostgresHost postgres; // guarded by this
    private Process watchdog; // guarded by this
    private boolean closed; // guarded by this

    StackDatabase(Console console) {
        this.console = console;
    }

    /**
     * Starts (or joins) the embedded Postgres unless DATABASE_URL is set; returns the URL for the services, or
     * null when the stack was stopped first.
     */
    String start(StackConfig config) throws IOException {
        if (config.databaseUrl() != null) {
            DatabaseSettings.parse(config.databaseUrl()); // fail here, once, rather than in three services
            console.info("using the Postgres in DATABASE_URL (no embedded Postgres)");
            return config.databaseUrl();
        }
        long begin = System.nanoTime();
        EmbeddedPostgresHost started;
        synchronized (this) {
            if (closed) {
                return null;
            }
            postgres = EmbeddedPostgresHost.startOrJoin(
                    config.dataDir().resolve("postgres"), config.cacheDir().resolve("postgres"));
            if (postgres.owner()) {
                watchdog = startWatchdog(config.dataDir().resolve("postgres"));
            }
            started = postgres;
        }
        DatabaseSettings settings = started.settings();
        String address = settings.jdbcUrl().substring("jdbc:postgresql://".length());
        console.info(String.format(
                Locale.ROOT,
                "postgres %s on %s in %.1f s (data: %s)",
                started.owner() ? "started" : "joined",
                address,
                (System.nanoTime() - begin) / 1e9,
                console.display(config.dataDir().resolve("postgres"))));
        // Without the password: the services read it from its file (SPRING_DATASOURCE_PASSWORD_FILE).
        return "postgres://" + settings.username() + "@" + address;
    }

    /** The embedded Postgres's password file, or null when the stack uses DATABASE_URL. */
    synchronized Path passwordFile() {
        return postgres == null ? null : postgres.passwordFile();
    }

    /** Stops the embedded Postgres if this launcher started it; a later {@link #start} starts nothing. */
    synchronized void close() {
        closed = true;
        if (watchdog != null) {
            watchdog.destroyForcibly();
        }
        if (postgres != null && postgres.owner()) {
            postgres.close();
            console.info("postgres stopped");
        }
    }

    /**
     * Postgres is not a child of this JVM (pg_ctl daemonizes it), so a launcher killed with SIGKILL could not stop
     * it. A tiny shell watches this process and sends the postmaster SIGINT (fast shutdown) when it is gone; it
     * checks {@code postmaster.pid} first so that it never signals a recycled pid.
     */
    private static Process startWatchdog(Path pgData) throws IOException {
        Path pidFile = pgData.resolve("postmaster.pid");
        String postmasterPid = Files.readAllLines(pidFile).getFirst().strip();
        String script = "while kill -0 " + ProcessHandle.current().pid() + " 2>/dev/null; do sleep 1; done; "
                + "[ \"$(head -n 1 '" + pidFile + "' 2>/dev/null)\" = " + postmasterPid + " ] && kill -INT "
                + postmasterPid;
        return new ProcessBuilder("/bin/sh", "-c", script)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
    }
}
