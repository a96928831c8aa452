package dev.agentcenter.stack;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The service JVMs of one stack: starts them, waits until they answer {@code /health}, restarts one that dies
 * (with backoff, while the others go on serving) and stops them all. Once {@link #stopAll()} ran, nothing starts
 * again.
 */
final class ServiceSupervisor {

    private static final Duration STOP_GRACE = Duration.ofSeconds(15);
    private static final Duration PROBE_INTERVAL = Duration.ofMillis(150);
    /** First wait before a restart; doubled for each death in a row, up to {@link #MAX_BACKOFF}. */
    static final Duration FIRST_BACKOFF = Duration.ofSeconds(1);

    static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
    /** A service that ran this long before it died starts again from the first backoff. */
    static final Duration STABLE_AFTER = Duration.ofSeconds(60);

    private final StackConfig config;
    private final Path root;
    private final Map<String, String> childEnv;
    private final StackState state;
    private final Console console;
    private final HealthProbe probe = new HealthProbe();
    private final CountDownLatch stopped = new CountDownLatch(1);

    private final Map<Service, ServiceProcess> children = new EnumMap<>(Service.class); // guarded by this
    private boolean stopping; // guarded by this

    ServiceSupervisor(StackConfig config, Path root, Map<String, String> childEnv, StackState state, Console console) {
        this.config = config;
        this.root = root;
        this.childEnv = childEnv;
        this.state = state;
        this.console = console;
    }

    /**
     * Starts the service unless the stack is stopping; false when it is. Uses the AOT cache when it is usable by
     * now (a restart after the background training starts faster than the first start did).
     */
    boolean spawn(AotCache cache, boolean restart) throws IOException {
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
                    console.out(),
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

    /** The {@code java} of this very JVM, so the services run on the JDK the script found. */
    static String javaExecutable() {
        return ProcessHandle.current()
                .info()
                .command()
                .orElseGet(() ->
                        Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    /** Watches each service on its own platform thread (they block for the stack's life, in waitFor). */
    void superviseAll(Iterable<AotCache> caches) {
        for (AotCache cache : caches) {
            Thread.ofPlatform()
                    .daemon()
                    .name("supervise-" + cache.service().label())
                    .start(() -> supervise(cache));
        }
    }

    /**
     * Watches one service for the life of the stack: when it dies, says so with its last lines, waits (backoff
     * doubling from {@link #FIRST_BACKOFF} to {@link #MAX_BACKOFF}, back to the first after a stable run) and
     * starts it again, then reports when it is healthy again. Never gives up: a service that keeps dying keeps
     * being retried every {@link #MAX_BACKOFF}, loudly, while the rest of the stack serves.
     */
    private void supervise(AotCache cache) {
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
                        String.format(
                                Locale.ROOT,
                                "unexpectedly: restarting it in %d s (restart %d)",
                                backoff.toSeconds(),
                                restarts));
                if (stopped.await(backoff.toMillis(), TimeUnit.MILLISECONDS)) {
                    return;
                }
                backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
                if (!spawn(cache, true)) {
                    return;
                }
                awaitHealthyAgain(service, restarts);
            }
        } catch (IOException e) {
            console.error("Could not restart " + service.label() + ": " + e.getMessage()
                    + ". The other services keep running; Ctrl-C stops them.");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private synchronized ServiceProcess current(Service service) {
        return children.get(service);
    }

    /** Waits until a restarted service answers again, or dies again (then the supervision loop takes over). */
    private void awaitHealthyAgain(Service service, int restarts) throws InterruptedException {
        ServiceProcess child = current(service);
        while (!isStopping() && child.isAlive()) {
            if (probe.problem(config.endpoint(service)) == null) {
                console.info(service.label() + " is healthy again on "
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

    /** True once every service answers; false when one died, the stack is stopping or the startup timed out. */
    boolean awaitHealthy() throws InterruptedException {
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
                    reportDeath(child, "during startup");
                    return false;
                }
            }
            for (Service service : List.copyOf(pending.keySet())) {
                String problem = probe.problem(config.endpoint(service));
                if (problem == null) {
                    pending.remove(service);
                    console.info(service.label() + " is healthy on "
                            + config.endpoint(service).baseUrl());
                } else {
                    pending.put(service, problem);
                }
            }
            if (pending.isEmpty()) {
                return true;
            }
            if (System.nanoTime() > deadline) {
                console.error("Not healthy after " + config.startupTimeout().toSeconds()
                        + " s (AGENT_CENTER_STARTUP_TIMEOUT_SECONDS): " + pending + ". Logs: " + config.logsDir());
                return false;
            }
            Thread.sleep(PROBE_INTERVAL);
        }
        return true;
    }

    private void reportDeath(ServiceProcess child, String when) throws InterruptedException {
        child.awaitOutput(2000);
        console.error(child.label() + " exited (" + describeExit(child.exitValue()) + ") " + when
                + ". Last lines (full log: " + console.display(config.logsDir().resolve(child.label() + ".log"))
                + "):");
        for (String line : child.tail()) {
            console.out().println("    " + line);
        }
    }

    /** The services as they are now (a restarted one replaces its predecessor). */
    synchronized List<ServiceProcess> children() {
        return List.copyOf(children.values());
    }

    synchronized boolean isStopping() {
        return stopping;
    }

    /**
     * Stops the services (SIGTERM, then SIGKILL after 15 s) and ends supervision; false when a stop was already
     * under way.
     */
    boolean stopAll() {
        List<ServiceProcess> running;
        synchronized (this) {
            if (stopping) {
                return false;
            }
            stopping = true;
            running = List.copyOf(children.values());
        }
        stopped.countDown();
        if (!running.isEmpty()) {
            console.info(
                    "stopping " + running.stream().map(ServiceProcess::label).toList());
        }
        running.forEach(ServiceProcess::terminate);
        long deadline = System.nanoTime() + STOP_GRACE.toNanos();
        for (ServiceProcess child : running) {
            try {
                if (!child.awaitExit((deadline - System.nanoTime()) / 1_000_000)) {
                    console.info(child.label() + " did not stop within " + STOP_GRACE.toSeconds() + " s: killing it");
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
        return true;
    }
}
