package dev.agentcenter.stack;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;

/**
 * {@code ./agent-center up}: starts an embedded Postgres (or uses {@code DATABASE_URL}), generates the secrets the
 * services need, starts the API, worker and runner as child JVMs and waits until each answers {@code /health}.
 * Then it keeps them running: a service that dies is restarted with backoff while the others go on serving, and
 * only Ctrl-C or SIGTERM stops everything, services first, then Postgres.
 *
 * <p>The steps live in named collaborators: {@link LauncherLock} (one launcher per data directory),
 * {@link PortCheck}, {@link StackDatabase} (Postgres), {@link Secrets} and {@link ChildEnvironment} (what each
 * service gets), {@link ServiceSupervisor} (start, health, restart, stop) and {@link AotTraining}.
 */
final class UpCommand {

    private final Map<String, String> env;
    private final Path root;
    private final Console console;
    private final LauncherLock lock = new LauncherLock();
    private final StackDatabase database;
    private final CountDownLatch stopped = new CountDownLatch(1);

    private boolean stopping; // guarded by this
    private ServiceSupervisor supervisor; // guarded by this
    private AotTraining training; // guarded by this

    UpCommand(Map<String, String> env, Path root, PrintStream out) {
        this.env = env;
        this.root = root;
        this.console = new Console(out, root);
        this.database = new StackDatabase(console);
    }

    /** Runs until stopped; the exit code when it could not start (or 0 once stopped). */
    int run() {
        Instant started = ProcessHandle.current().info().startInstant().orElse(Instant.now());
        StackConfig config;
        try {
            config = StackConfig.fromEnvironment(env, root);
        } catch (IllegalArgumentException e) {
            console.error(e.getMessage());
            return 2;
        }
        List<Path> missing = config.missingJars();
        if (!missing.isEmpty()) {
            console.error(
                    "Not built yet: " + missing + ". Build with ./mvnw -DskipTests package (./agent-center up does).");
            return 2;
        }
        try {
            LauncherLock.prepareDataDir(config.dataDir());
            Optional<String> holder = lock.acquire(config.dataDir());
            if (holder.isPresent()) {
                console.error("Agent Center is already running from " + config.dataDir() + " (launcher pid "
                        + holder.get() + "). Stop it first, or set AGENT_CENTER_DATA_DIR to run a second stack.");
                return 1;
            }
            List<String> busy = PortCheck.busyPorts(config);
            if (!busy.isEmpty()) {
                busy.forEach(console::error);
                return 1;
            }
            Map<String, String> secrets = new LinkedHashMap<>(Secrets.generatedFor(env, config.dataDir()));
            Runtime.getRuntime().addShutdownHook(new Thread(this::stop, "stack-stop"));

            String databaseUrl = database.start(config);
            if (databaseUrl == null) {
                return 1; // stopped while Postgres was starting
            }
            Path passwordFile = database.passwordFile();
            if (passwordFile != null) {
                secrets.put("SPRING_DATASOURCE_PASSWORD_FILE", passwordFile.toString());
            }
            Map<String, String> childEnv = ChildEnvironment.build(
                    env, databaseUrl, ProcessHandle.current().pid(), config.dataDir(), secrets);
            ServiceSupervisor services = startSupervisor(config, childEnv);
            if (services == null) {
                return 1;
            }
            Map<Service, AotCache> caches = new EnumMap<>(Service.class);
            for (Service service : Service.values()) {
                caches.put(service, new AotCache(service, service.jar(root), config.cacheDir(), config.javaOptions()));
            }
            List<String> cached = caches.values().stream()
                    .filter(cache -> config.aot() && cache.usable())
                    .map(cache -> cache.service().label())
                    .toList();
            console.info("starting api, worker, runner" + (cached.isEmpty() ? "" : " (AOT cache: " + cached + ")"));
            for (AotCache cache : caches.values()) {
                if (!services.spawn(cache, false)) {
                    return 1;
                }
            }
            if (!services.awaitHealthy()) {
                return 1;
            }
            double seconds = Duration.between(started, Instant.now()).toMillis() / 1000.0;
            console.out().println(readyLine(config, seconds));
            services.superviseAll(caches.values());
            if (config.aot()) {
                startTraining(config, childEnv)
                        .startInBackground(caches.values().stream()
                                .filter(cache -> !cache.usable())
                                .toList());
            }
            stopped.await(); // released by stop(), which Ctrl-C or SIGTERM runs through the shutdown hook
            return 0;
        } catch (IllegalArgumentException e) {
            console.error(e.getMessage()); // a setting that does not parse, e.g. DATABASE_URL
            return 2;
        } catch (IOException | RuntimeException e) {
            console.error("Could not start the stack: " + e);
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        }
    }

    /** The supervisor for this stack, or null when the stack is already stopping. */
    private synchronized ServiceSupervisor startSupervisor(StackConfig config, Map<String, String> childEnv) {
        if (stopping) {
            return null;
        }
        supervisor = new ServiceSupervisor(config, root, childEnv, new StackState(config.dataDir()), console);
        return supervisor;
    }

    private synchronized AotTraining startTraining(StackConfig config, Map<String, String> childEnv) {
        training = new AotTraining(config, root, childEnv, console, this::isStopping);
        return training;
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

    /** {@code java <options> <launch>}, where launch is {@code -jar <jar>} possibly preceded by an AOT cache. */
    static List<String> serviceCommand(String java, List<String> javaOptions, List<String> launch) {
        return ServiceSupervisor.serviceCommand(java, javaOptions, launch);
    }

    /** The services as they are now (a restarted one replaces its predecessor). */
    synchronized List<ServiceProcess> children() {
        return supervisor == null ? List.of() : supervisor.children();
    }

    synchronized boolean isStopping() {
        return stopping;
    }

    /** Stops the services (SIGTERM, then SIGKILL after 15 s), then Postgres if this launcher started it. */
    void stop() {
        ServiceSupervisor services;
        AotTraining aot;
        synchronized (this) {
            if (stopping) {
                return;
            }
            stopping = true;
            services = supervisor;
            aot = training;
        }
        if (aot != null) {
            aot.kill();
        }
        if (services != null) {
            services.stopAll();
        }
        database.close();
        lock.release();
        console.info("stopped");
        stopped.countDown();
    }
}
