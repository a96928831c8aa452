package dev.agentcenter.stack;

import dev.agentcenter.support.DatabaseSettings;
import dev.agentcenter.support.EmbeddedPostgresHost;
import java.io.IOException;
import java.io.PrintStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code ./agent-center up}: starts an embedded Postgres (or uses {@code DATABASE_URL}), generates the secrets the
 * services need, starts the API, worker and runner as child JVMs and waits until each answers {@code /health}.
 * Then it keeps them running: a service that dies is restarted with backoff while the others go on serving, and
 * only Ctrl-C or SIGTERM stops everything, services first, then Postgres.
 */
final class UpCommand {

    private static final Duration STOP_GRACE = Duration.ofSeconds(15);
    private static final Duration PROBE_INTERVAL = Duration.ofMillis(150);
    /** First wait before a restart; doubled for each death in a row, up to {@link #MAX_BACKOFF}. */
    static final Duration FIRST_BACKOFF = Duration.ofSeconds(1);

    static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
    /** A service that ran this long before it died starts again from the first backoff. */
    static final Duration STABLE_AFTER = Duration.ofSeconds(60);

    private final Map<String, String> env;
    private final Path root;
    private final PrintStream out;
    private final HealthProbe probe = new HealthProbe();
    private final CountDownLatch stopped = new CountDownLatch(1);

    private final Map<Service, ServiceProcess> children = new EnumMap<>(Service.class); // guarded by this
    private boolean stopping; // guarded by this
    private EmbeddedPostgresHost postgres; // guarded by this
    private Process postgresWatchdog; // guarded by this
    private StackState state;
    private FileChannel lockChannel;
    private volatile Process training;

    UpCommand(Map<String, String> env, Path root, PrintStream out) {
        this.env = env;
        this.root = root;
        this.out = out;
    }

    /** Runs until stopped; the exit code when it could not start (or 0 once stopped). */
    int run() {
        Instant started = ProcessHandle.current().info().startInstant().orElse(Instant.now());
        StackConfig config;
        try {
            config = StackConfig.fromEnvironment(env, root);
        } catch (IllegalArgumentException e) {
            error(e.getMessage());
            return 2;
        }
        List<Path> missing = config.missingJars();
        if (!missing.isEmpty()) {
            error("Not built yet: " + missing + ". Build with ./mvnw -DskipTests package (./agent-center up does).");
            return 2;
        }
        try {
            prepareDataDir(config.dataDir());
            Optional<String> holder = lock(config.dataDir());
            if (holder.isPresent()) {
                error("Agent Center is already running from " + config.dataDir() + " (launcher pid " + holder.get()
                        + "). Stop it first, or set AGENT_CENTER_DATA_DIR to run a second stack.");
                return 1;
            }
            List<String> busy = busyPorts(config);
            if (!busy.isEmpty()) {
                busy.forEach(this::error);
                return 1;
            }
            state = new StackState(config.dataDir());
            Map<String, String> secrets = new LinkedHashMap<>(secrets(config.dataDir()));
            Runtime.getRuntime().addShutdownHook(new Thread(this::stop, "stack-stop"));

            String databaseUrl = startDatabase(config);
            if (databaseUrl == null) {
                return 1; // stopped while Postgres was starting
            }
            if (postgres != null) {
                secrets.put(
                        "SPRING_DATASOURCE_PASSWORD_FILE",
                        postgres.passwordFile().toString());
            }
            Map<String, String> childEnv = ChildEnvironment.build(
                    env, databaseUrl, ProcessHandle.current().pid(), config.dataDir(), secrets);
            Map<Service, AotCache> caches = new EnumMap<>(Service.class);
            for (Service service : Service.values()) {
                caches.put(service, new AotCache(service, service.jar(root), config.cacheDir(), config.javaOptions()));
            }
            List<String> cached = caches.values().stream()
                    .filter(cache -> config.aot() && cache.usable())
                    .map(cache -> cache.service().label())
                    .toList();
            info("starting api, worker, runner" + (cached.isEmpty() ? "" : " (AOT cache: " + cached + ")"));
            for (AotCache cache : caches.values()) {
                if (!spawn(config, cache, childEnv, false)) {
                    return 1;
                }
            }
            if (!awaitHealthy(config)) {
                return 1;
            }
            double seconds = Duration.between(started, Instant.now()).toMillis() / 1000.0;
            out.println(readyLine(config, seconds));
            // Platform threads: they block for the stack's life, in waitFor.
            for (AotCache cache : caches.values()) {
                Thread.ofPlatform()
                        .daemon()
                        .name("supervise-" + cache.service().label())
                        .start(() -> supervise(config, cache, childEnv));
            }
            if (config.aot()) {
                List<AotCache> stale = caches.values().stream()
                        .filter(cache -> !cache.usable())
                        .toList();
                if (!stale.isEmpty()) {
                    Thread.ofVirtual().name("aot-training").start(() -> train(config, stale, childEnv));
                }
            }
            stopped.await(); // released by stop(), which Ctrl-C or SIGTERM runs through the shutdown hook
            return 0;
        } catch (IllegalArgumentException e) {
            error(e.getMessage()); // a setting that does not parse, e.g. DATABASE_URL
            return 2;
        } catch (IOException | RuntimeException e) {
            error("Could not start the stack: " + e);
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        }
    }

    static String readyLine(StackConfig config, double seconds) {
        StringBuilder ports = new StringBuilder();
        for (Service service : Service.values()) {
            if (!ports.isEmpty()) {
                ports.append(", ");
            }
            ports.append(service.label())
                    .append(' ')
                    .append(config.endpoint(service).port());
        }
        return String.format(
                Locale.ROOT,
                "Agent Center is ready: %s (%s) in %.1f s",
                config.endpoint(Service.API).baseUrl(),
                ports,
                seconds);
    }

    private static void prepareDataDir(Path dataDir) throws IOException {
        if (!Files.isDirectory(dataDir)) {
            // Holds the database and the generated secrets: nobody else on the machine needs to read it.
            Files.createDirectories(dataDir);
            Files.setPosixFilePermissions(dataDir, PosixFilePermissions.fromString("rwx------"));
        }
    }

    /** Takes the data directory's launcher lock; returns the holder's pid when another launcher has it. */
    private Optional<String> lock(Path dataDir) throws IOException {
        Path lockFile = dataDir.resolve("launcher.lock");
        FileChannel channel = FileChannel.open(
                lockFile, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (java.nio.channels.OverlappingFileLockException e) {
            lock = null; // another launcher in this very JVM (tests)
        }
        if (lock == null) {
            channel.close();
            return Optional.of(Files.readString(lockFile).strip());
        }
        channel.truncate(0);
        channel.write(StandardCharsets.UTF_8.encode(
                Long.toString(ProcessHandle.current().pid())));
        lockChannel = channel; // held, open, for the life of this process
        return Optional.empty();
    }

    /** Messages for every service port that something else already listens on. */
    static List<String> busyPorts(StackConfig config) {
        List<String> problems = new ArrayList<>();
        for (Service service : Service.values()) {
            StackConfig.Endpoint endpoint = config.endpoint(service);
            try (ServerSocket socket = new ServerSocket()) {
                socket.setReuseAddress(true);
                socket.bind(new InetSocketAddress(endpoint.host(), endpoint.port()));
            } catch (BindException e) {
                problems.add(String.format(
                        Locale.ROOT,
                        "Port %d on %s (%s) is already in use, so the %s cannot start. Stop what listens there"
                                + " (see: ss -ltnp 'sport = :%d') or pick another port, e.g. %s=%d ./agent-center up",
                        endpoint.port(),
                        endpoint.host(),
                        service.portVariable(),
                        service.label(),
                        endpoint.port(),
                        service.portVariable(),
                        endpoint.port() + 100));
            } catch (IOException e) {
                problems.add("Cannot listen on " + endpoint.host() + ":" + endpoint.port() + " ("
                        + service.hostVariable() + "/" + service.portVariable() + "): " + e.getMessage());
            }
        }
        return problems;
    }

    /** {@code NAME_FILE} of each secret the user did not set, generated into the data directory on first use. */
    private Map<String, String> secrets(Path dataDir) throws IOException {
        Map<String, String> generated = new LinkedHashMap<>();
        if (unset("CREDENTIAL_ENCRYPTION_KEY")) {
            Path key = dataDir.resolve("credential.key");
            Secrets.readOrCreate(key, Secrets::newEncryptionKey);
            generated.put("CREDENTIAL_ENCRYPTION_KEY_FILE", key.toString());
        }
        if (unset("RUNNER_INTERNAL_TOKEN")) {
            Path token = dataDir.resolve("runner.token");
            Secrets.readOrCreate(token, Secrets::newToken);
            generated.put("RUNNER_INTERNAL_TOKEN_FILE", token.toString());
        }
        return generated;
    }

    /** Starts (or joins) the embedded Postgres unless DATABASE_URL is set; returns the URL for the services. */
    private String startDatabase(StackConfig config) throws IOException {
        if (config.databaseUrl() != null) {
            DatabaseSettings.parse(config.databaseUrl()); // fail here, once, rather than in three services
            info("using the Postgres in DATABASE_URL (no embedded Postgres)");
            return config.databaseUrl();
        }
        long begin = System.nanoTime();
        synchronized (this) {
            if (stopping) {
                return null;
            }
            postgres = EmbeddedPostgresHost.startOrJoin(
                    config.dataDir().resolve("postgres"), config.cacheDir().resolve("postgres"));
            if (postgres.owner()) {
                postgresWatchdog = startPostgresWatchdog(config.dataDir().resolve("postgres"));
            }
        }
        DatabaseSettings settings = postgres.settings();
        String address = settings.jdbcUrl().substring("jdbc:postgresql://".length());
        info(String.format(
                Locale.ROOT,
                "postgres %s on %s in %.1f s (data: %s)",
                postgres.owner() ? "started" : "joined",
                address,
                (System.nanoTime() - begin) / 1e9,
                display(config.dataDir().resolve("postgres"))));
        // Without the password: the services read it from its file (SPRING_DATASOURCE_PASSWORD_FILE).
        return "postgres://" + settings.username() + "@" + address;
    }

    /**
     * Postgres is not a child of this JVM (pg_ctl daemonizes it), so a launcher killed with SIGKILL could not stop
     * it. A tiny shell watches this process and sends the postmaster SIGINT (fast shutdown) when it is gone; it
     * checks {@code postmaster.pid} first so that it never signals a recycled pid.
     */
    private static Process startPostgresWatchdog(Path pgData) throws IOException {
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

    /**
     * Starts the service unless the stack is stopping; false when it is. Uses the AOT cache when it is usable by
     * now (a restart after the background training starts faster than the first start did).
     */
    private boolean spawn(StackConfig config, AotCache cache, Map<String, String> childEnv, boolean restart)
            throws IOException {
        Service service = cache.service();
        List<String> launch = config.aot() && cache.usable()
                ? cache.launchArguments()
                : List.of("-jar", service.jar(root).toString());
        List<String> command = serviceCommand(javaExecutable(), config.javaOptions(), launch);
        synchronized (this) {
            if (stopping) {
                return false;
            }
            ServiceProcess child = ServiceProcess.start(
                    service.label(),
                    command,
                    root,
                    ChildEnvironment.forService(service, childEnv),
                    config.logsDir(),
                    out,
                    restart);
            children.put(service, child);
            state.started(service, child.pid());
        }
        return true;
    }

    /** {@code java <options> <launch>}, where launch is {@code -jar <jar>} possibly preceded by an AOT cache. */
    static List<String> serviceCommand(String java, List<String> javaOptions, List<String> launch) {
        List<String> command = new ArrayList<>();
        command.add(java);
        command.addAll(javaOptions);
        command.addAll(launch);
        return command;
    }

    /**
     * Watches one service for the life of the stack: when it dies, says so with its last lines, waits (backoff
     * doubling from {@link #FIRST_BACKOFF} to {@link #MAX_BACKOFF}, back to the first after a stable run) and
     * starts it again, then reports when it is healthy again. Never gives up: a service that keeps dying keeps
     * being retried every {@link #MAX_BACKOFF}, loudly, while the rest of the stack serves.
     */
    private void supervise(StackConfig config, AotCache cache, Map<String, String> childEnv) {
        Service service = cache.service();
        Duration backoff = FIRST_BACKOFF;
        try {
            while (true) {
                ServiceProcess child = current(service);
                // waitFor, not onExit(): onExit completes on the common pool, which a caller may have filled up.
                child.process().waitFor();
                if (isStopping()) {
                    return;
                }
                Instant died = Instant.now();
                if (Duration.between(child.startedAt(), died).compareTo(STABLE_AFTER) >= 0) {
                    backoff = FIRST_BACKOFF;
                }
                int restarts = state.died(service, describeExit(child.exitValue()), died);
                reportDeath(
                        child,
                        config,
                        String.format(
                                Locale.ROOT,
                                "unexpectedly: restarting it in %d s (restart %d)",
                                backoff.toSeconds(),
                                restarts));
                if (stopped.await(backoff.toMillis(), TimeUnit.MILLISECONDS)) {
                    return;
                }
                backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
                if (!spawn(config, cache, childEnv, true)) {
                    return;
                }
                awaitHealthyAgain(config, service, restarts);
            }
        } catch (IOException e) {
            error("Could not restart " + service.label() + ": " + e.getMessage()
                    + ". The other services keep running; Ctrl-C stops them.");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private synchronized ServiceProcess current(Service service) {
        return children.get(service);
    }

    /** Waits until a restarted service answers again, or dies again (then the supervision loop takes over). */
    private void awaitHealthyAgain(StackConfig config, Service service, int restarts) throws InterruptedException {
        ServiceProcess child = current(service);
        while (!isStopping() && child.isAlive()) {
            if (probe.problem(config.endpoint(service)) == null) {
                info(service.label() + " is healthy again on "
                        + config.endpoint(service).baseUrl() + " (restart " + restarts + ")");
                return;
            }
            Thread.sleep(PROBE_INTERVAL);
        }
    }

    /** Exit code 128+n is how the JDK reports a process killed by signal n. */
    static String describeExit(int code) {
        return switch (code) {
            case 137 -> "killed by SIGKILL, exit code 137";
            case 143 -> "killed by SIGTERM, exit code 143";
            case 134 -> "aborted (SIGABRT), exit code 134";
            case 139 -> "crashed (SIGSEGV), exit code 139";
            case 3 -> "exit code 3, e.g. out of memory (-XX:+ExitOnOutOfMemoryError)";
            default -> code > 128 && code < 160 ? "killed by signal " + (code - 128) : "exit code " + code;
        };
    }

    /** Trains the missing AOT caches one at a time, niced, while the stack serves; never fails the stack. */
    private void train(StackConfig config, List<AotCache> caches, Map<String, String> childEnv) {
        info("preparing a faster next start in the background (AOT cache for "
                + caches.stream().map(cache -> cache.service().label()).toList() + ")");
        for (AotCache cache : caches) {
            String label = cache.service().label();
            Path log = config.logsDir().resolve(label + ".aot-training.log");
            try {
                if (isStopping()) {
                    return;
                }
                Files.deleteIfExists(log);
                boolean done = cache.train(
                        javaExecutable(),
                        ChildEnvironment.forService(cache.service(), childEnv),
                        root,
                        log,
                        process -> {
                            training = process;
                            if (isStopping()) {
                                killTraining();
                            }
                        });
                if (isStopping()) {
                    return;
                }
                info(
                        done
                                ? "AOT cache ready for " + label + ": it starts faster next time"
                                : "no AOT cache for " + label + " (see " + display(log) + "); it starts as before");
            } catch (IOException e) {
                info("no AOT cache for " + label + ": " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void killTraining() {
        Process process = training;
        if (process != null && process.isAlive()) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
    }

    /** The {@code java} of this very JVM, so the services run on the JDK the script found. */
    static String javaExecutable() {
        return ProcessHandle.current()
                .info()
                .command()
                .orElseGet(() ->
                        Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    private boolean awaitHealthy(StackConfig config) throws InterruptedException {
        Map<Service, String> pending = new EnumMap<>(Service.class);
        for (Service service : Service.values()) {
            pending.put(service, "not answering yet");
        }
        long deadline = System.nanoTime() + config.startupTimeout().toNanos();
        while (!pending.isEmpty()) {
            if (isStopping()) {
                return false; // Ctrl-C while starting: the shutdown hook is already stopping everything
            }
            // A service that dies while the stack starts is a setting or a port problem, not bad luck: say so.
            for (ServiceProcess child : children()) {
                if (!child.isAlive()) {
                    reportDeath(child, config, "during startup");
                    return false;
                }
            }
            for (Service service : List.copyOf(pending.keySet())) {
                String problem = probe.problem(config.endpoint(service));
                if (problem == null) {
                    pending.remove(service);
                    info(service.label() + " is healthy on "
                            + config.endpoint(service).baseUrl());
                } else {
                    pending.put(service, problem);
                }
            }
            if (pending.isEmpty()) {
                return true;
            }
            if (System.nanoTime() > deadline) {
                error("Not healthy after " + config.startupTimeout().toSeconds()
                        + " s (AGENT_CENTER_STARTUP_TIMEOUT_SECONDS): " + pending + ". Logs: " + config.logsDir());
                return false;
            }
            Thread.sleep(PROBE_INTERVAL);
        }
        return true;
    }

    private void reportDeath(ServiceProcess child, StackConfig config, String when) throws InterruptedException {
        child.awaitOutput(2000);
        error(child.label() + " exited (" + describeExit(child.exitValue()) + ") " + when + ". Last lines (full log: "
                + display(config.logsDir().resolve(child.label() + ".log")) + "):");
        for (String line : child.tail()) {
            out.println("    " + line);
        }
    }

    /** The services as they are now (a restarted one replaces its predecessor). */
    synchronized List<ServiceProcess> children() {
        return List.copyOf(children.values());
    }

    synchronized boolean isStopping() {
        return stopping;
    }

    /** Stops the services (SIGTERM, then SIGKILL after 15 s), then Postgres if this launcher started it. */
    void stop() {
        List<ServiceProcess> running;
        synchronized (this) {
            if (stopping) {
                return;
            }
            stopping = true;
            running = List.copyOf(children.values());
        }
        killTraining();
        if (!running.isEmpty()) {
            info("stopping " + running.stream().map(ServiceProcess::label).toList());
        }
        running.forEach(ServiceProcess::terminate);
        long deadline = System.nanoTime() + STOP_GRACE.toNanos();
        for (ServiceProcess child : running) {
            try {
                if (!child.awaitExit((deadline - System.nanoTime()) / 1_000_000)) {
                    info(child.label() + " did not stop within " + STOP_GRACE.toSeconds() + " s: killing it");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            child.kill(); // the process if still alive, and whatever it left behind
        }
        for (ServiceProcess child : running) {
            try {
                child.awaitOutput(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        synchronized (this) {
            if (postgresWatchdog != null) {
                postgresWatchdog.destroyForcibly();
            }
            if (postgres != null && postgres.owner()) {
                postgres.close();
                info("postgres stopped");
            }
        }
        if (lockChannel != null) {
            try {
                lockChannel.close();
            } catch (IOException e) {
                // the lock goes with the process anyway
            }
        }
        info("stopped");
        stopped.countDown();
    }

    private void info(String message) {
        out.println("[stack] " + message);
    }

    private void error(String message) {
        out.println("[stack] ERROR: " + message);
    }

    /** A path relative to the repository root when it is inside it, else absolute. */
    private String display(Path path) {
        return path.startsWith(root) ? root.relativize(path).toString() : path.toString();
    }

    /** Neither the variable nor its {@code _FILE} form is set. */
    private boolean unset(String secret) {
        return isBlank(env.get(secret)) && isBlank(env.get(secret + "_FILE"));
    }

    private static boolean isBlank(String value) {
        return value == null || value.isBlank();
    }
}
