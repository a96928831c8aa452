package dev.agentcenter.stack;

import dev.agentcenter.support.DatabaseSettings;
import dev.agentcenter.support.EmbeddedPostgresHost;
import java.io.IOException;
import java.io.PrintStream;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * {@code ./agent-center up}: one command that runs the whole product on a laptop. Starts an embedded Postgres (or
 * uses {@code DATABASE_URL}), generates the secrets the services need, starts the API, worker and runner as child
 * JVMs, waits until each answers {@code /health}, and on Ctrl-C or SIGTERM stops them all, then Postgres. Plain
 * Java on purpose: the launcher must start in a blink and hold no framework.
 */
public final class LocalStack {

    private static final Duration STOP_GRACE = Duration.ofSeconds(15);
    private static final Duration PROBE_INTERVAL = Duration.ofMillis(150);

    private final Map<String, String> env;
    private final Path root;
    private final PrintStream out;
    private final HttpClient http = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(1))
            .version(HttpClient.Version.HTTP_1_1)
            .build();

    private final List<ServiceProcess> children = new CopyOnWriteArrayList<>();
    private boolean stopping; // guarded by this
    private EmbeddedPostgresHost postgres; // guarded by this
    private Process postgresWatchdog; // guarded by this
    private FileChannel lockChannel;
    private volatile Process training;

    LocalStack(Map<String, String> env, Path root, PrintStream out) {
        this.env = env;
        this.root = root;
        this.out = out;
    }

    public static void main(String[] args) {
        quietLibraryLogging();
        String command = args.length == 0 ? "up" : args[0];
        LocalStack stack = new LocalStack(System.getenv(), repositoryRoot(), System.out);
        int code = switch (command) {
            case "up" -> stack.up();
            case "status" -> stack.status();
            case "help", "-h", "--help" -> {
                usage(System.out);
                yield 0;
            }
            default -> {
                System.err.println("Unknown command: " + command);
                usage(System.err);
                yield 2;
            }
        };
        if (!stack.isStopping()) {
            System.exit(code);
        }
    }

    static void usage(PrintStream out) {
        out.println("""
                Usage: agent-center <command>

                  up       start Postgres (embedded unless DATABASE_URL is set), the API, the worker and the runner;
                           Ctrl-C stops them all
                  status   show which services answer /health
                  help     show this text

                Settings come from environment variables; .env.example lists them all.""");
    }

    // ---------------------------------------------------------------- up

    int up() {
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
            Map<String, String> secrets = secrets(config.dataDir());
            Runtime.getRuntime().addShutdownHook(new Thread(this::stop, "stack-stop"));

            String databaseUrl = startDatabase(config);
            if (databaseUrl == null) {
                return 1; // stopped while Postgres was starting
            }
            Map<String, String> childEnv = ChildEnvironment.build(
                    env, databaseUrl, ProcessHandle.current().pid(), config.dataDir(), secrets);
            List<AotCache> caches = new ArrayList<>();
            for (Service service : Service.values()) {
                caches.add(new AotCache(service, service.jar(root), config.cacheDir(), config.javaOptions()));
            }
            List<String> cached = caches.stream()
                    .filter(cache -> config.aot() && cache.usable())
                    .map(cache -> cache.service().label())
                    .toList();
            info("starting api, worker, runner" + (cached.isEmpty() ? "" : " (AOT cache: " + cached + ")"));
            for (AotCache cache : caches) {
                List<String> launch = config.aot()
                        ? cache.launchArguments()
                        : List.of("-jar", cache.service().jar(root).toString());
                if (!spawn(config, cache.service(), launch, childEnv)) {
                    return 1;
                }
            }
            if (!awaitHealthy(config)) {
                return 1;
            }
            double seconds = Duration.between(started, Instant.now()).toMillis() / 1000.0;
            out.println(readyLine(config, seconds));
            if (config.aot()) {
                List<AotCache> stale =
                        caches.stream().filter(cache -> !cache.usable()).toList();
                if (!stale.isEmpty()) {
                    Thread.ofVirtual().name("aot-training").start(() -> train(config, stale, childEnv));
                }
            }
            return superviseUntilAServiceEnds(config);
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

    /** The secrets the user did not set, read from or generated into the data directory. */
    private Map<String, String> secrets(Path dataDir) throws IOException {
        Map<String, String> generated = new LinkedHashMap<>();
        if (isBlank(env.get("CREDENTIAL_ENCRYPTION_KEY"))) {
            generated.put(
                    "CREDENTIAL_ENCRYPTION_KEY",
                    Secrets.readOrCreate(dataDir.resolve("credential.key"), Secrets::newEncryptionKey));
        }
        if (isBlank(env.get("RUNNER_INTERNAL_TOKEN"))) {
            generated.put(
                    "RUNNER_INTERNAL_TOKEN", Secrets.readOrCreate(dataDir.resolve("runner.token"), Secrets::newToken));
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

    private boolean spawn(StackConfig config, Service service, List<String> launch, Map<String, String> childEnv)
            throws IOException {
        List<String> command = serviceCommand(javaExecutable(), config.javaOptions(), launch);
        synchronized (this) {
            if (stopping) {
                return false;
            }
            children.add(ServiceProcess.start(service.label(), command, root, childEnv, config.logsDir(), out));
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
                boolean done = cache.train(javaExecutable(), childEnv, root, log, process -> {
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
            for (ServiceProcess child : children) {
                if (!child.isAlive()) {
                    reportDeath(child, config, "during startup");
                    return false;
                }
            }
            for (Service service : List.copyOf(pending.keySet())) {
                String state = probe(config.endpoint(service));
                if (state == null) {
                    pending.remove(service);
                    info(service.label() + " is healthy on "
                            + config.endpoint(service).baseUrl());
                } else {
                    pending.put(service, state);
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

    /** {@code null} when {@code /health} answers 200, else what went wrong. */
    private String probe(StackConfig.Endpoint endpoint) throws InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(endpoint.baseUrl().resolve("/health"))
                .timeout(Duration.ofSeconds(2))
                .GET()
                .build();
        try {
            int status =
                    http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
            return status == 200 ? null : "HTTP " + status;
        } catch (java.net.ConnectException e) {
            return "not listening";
        } catch (java.net.http.HttpTimeoutException e) {
            return "no answer within 2 s";
        } catch (IOException e) {
            return e.getClass().getSimpleName();
        }
    }

    private void reportDeath(ServiceProcess child, StackConfig config, String when) throws InterruptedException {
        child.awaitOutput(2000);
        error(child.label() + " exited with code " + child.exitValue() + " " + when + ". Last lines (full log: "
                + display(config.logsDir().resolve(child.label() + ".log")) + "):");
        for (String line : child.tail()) {
            out.println("    " + line);
        }
    }

    private int superviseUntilAServiceEnds(StackConfig config) throws InterruptedException {
        CompletableFuture<?>[] exits =
                children.stream().map(child -> child.process().onExit()).toArray(CompletableFuture[]::new);
        try {
            CompletableFuture.anyOf(exits).join();
        } catch (RuntimeException e) {
            // onExit never completes exceptionally; nothing to handle
        }
        if (isStopping()) {
            return 0;
        }
        for (ServiceProcess child : children) {
            if (!child.isAlive()) {
                reportDeath(child, config, "unexpectedly: stopping the stack");
            }
        }
        return 1;
    }

    /** The services started so far. */
    List<ServiceProcess> children() {
        return List.copyOf(children);
    }

    synchronized boolean isStopping() {
        return stopping;
    }

    /** Stops the services (SIGTERM, then SIGKILL after 15 s), then Postgres if this launcher started it. */
    void stop() {
        synchronized (this) {
            if (stopping) {
                return;
            }
            stopping = true;
        }
        killTraining();
        if (!children.isEmpty()) {
            info("stopping " + children.stream().map(ServiceProcess::label).toList());
        }
        children.forEach(ServiceProcess::terminate);
        long deadline = System.nanoTime() + STOP_GRACE.toNanos();
        for (ServiceProcess child : children) {
            try {
                if (!child.awaitExit((deadline - System.nanoTime()) / 1_000_000)) {
                    info(child.label() + " did not stop within " + STOP_GRACE.toSeconds() + " s: killing it");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            child.kill(); // the process if still alive, and whatever it left behind
        }
        for (ServiceProcess child : children) {
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
    }

    // ---------------------------------------------------------------- status

    int status() {
        StackConfig config;
        try {
            config = StackConfig.fromEnvironment(env, root);
        } catch (IllegalArgumentException e) {
            error(e.getMessage());
            return 2;
        }
        int healthy = 0;
        for (Service service : Service.values()) {
            StackConfig.Endpoint endpoint = config.endpoint(service);
            String state;
            try {
                state = probe(endpoint);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return 1;
            }
            if (state == null) {
                healthy++;
            }
            out.printf(
                    Locale.ROOT,
                    "%-7s %-24s %s%n",
                    service.label(),
                    endpoint.baseUrl(),
                    state == null ? "healthy" : "down (" + state + ")");
        }
        Path lockFile = config.dataDir().resolve("launcher.lock");
        if (Files.exists(lockFile)) {
            try {
                String pid = Files.readString(lockFile).strip();
                boolean alive = !pid.isEmpty()
                        && ProcessHandle.of(Long.parseLong(pid))
                                .map(ProcessHandle::isAlive)
                                .orElse(false);
                out.println("launcher " + (alive ? "running, pid " + pid : "not running") + " (data: "
                        + config.dataDir() + ")");
            } catch (IOException | NumberFormatException e) {
                out.println("launcher state unknown: " + e.getMessage());
            }
        }
        return healthy == Service.values().length ? 0 : 1;
    }

    // ---------------------------------------------------------------- helpers

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

    private static boolean isBlank(String value) {
        return value == null || value.isBlank();
    }

    /**
     * The repository root: two levels above {@code local-stack/target/local-stack.jar} when run from the build
     * output ({@code java -jar} puts exactly that jar on the class path), else the working directory.
     */
    static Path repositoryRoot() {
        Path cwd = Path.of("").toAbsolutePath();
        String classPath = System.getProperty("java.class.path", "");
        if (classPath.endsWith("local-stack.jar") && !classPath.contains(java.io.File.pathSeparator)) {
            Path moduleDir = Path.of(classPath).toAbsolutePath().getParent().getParent();
            Path candidate = moduleDir.getParent();
            if (candidate != null && Files.isDirectory(candidate.resolve("api-service"))) {
                return candidate;
            }
        }
        return cwd;
    }

    /** The launcher's own output stays readable: library chatter only when something is wrong. */
    private static void quietLibraryLogging() {
        // -D options on the launcher's command line win, e.g. -Dorg.slf4j.simpleLogger.defaultLogLevel=info
        var properties = System.getProperties();
        properties.putIfAbsent("org.slf4j.simpleLogger.logFile", "System.out");
        properties.putIfAbsent("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        properties.putIfAbsent("org.slf4j.simpleLogger.log.dev.agentcenter", "info");
        properties.putIfAbsent("org.slf4j.simpleLogger.showThreadName", "false");
        properties.putIfAbsent("org.slf4j.simpleLogger.showShortLogName", "true");
    }
}
