package dev.agentcenter.e2e;

import dev.agentcenter.support.DatabaseSettings;
import dev.agentcenter.testing.TestDatabase;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The three services started from their built jars as separate JVMs, against one fresh Postgres database, on
 * free loopback ports: what {@code ./agent-center up} runs, with short leases so failure handling is quick to see.
 */
final class Stack implements AutoCloseable {

    static final String INTERNAL_TOKEN = "e2e-internal-token";
    static final String ENCRYPTION_KEY = "e2e-credential-key";
    static final Duration STARTUP = Duration.ofSeconds(120);

    final DatabaseSettings database;
    final Path root;
    final Service api;
    final Service worker;
    final Service runner;
    private final Map<String, String> common = new HashMap<>();
    private final List<Service> extraApis = new ArrayList<>();
    /** Environment of the first runner, the template for more ({@link #startRunner}). */
    private final Map<String, String> runnerEnv;

    private final List<Service> moreRunners = new ArrayList<>();

    private Stack(DatabaseSettings database, Path root, Map<String, String> extraRunnerEnv) {
        this(database, root, Map.of(), extraRunnerEnv);
    }

    private Stack(
            DatabaseSettings database, Path root, Map<String, String> extraEnv, Map<String, String> extraRunnerEnv) {
        this.database = database;
        this.root = root;
        common.put("SPRING_DATASOURCE_URL", database.jdbcUrl());
        common.put("SPRING_DATASOURCE_USERNAME", database.username());
        common.put("SPRING_DATASOURCE_PASSWORD", database.password() == null ? "" : database.password());
        common.put("RUNNER_INTERNAL_TOKEN", INTERNAL_TOKEN);
        common.put("CREDENTIAL_ENCRYPTION_KEY", ENCRYPTION_KEY);
        common.put("RUN_LEASE_SECONDS", "5");
        common.putAll(extraEnv);

        int apiPort = freePort();
        Map<String, String> apiEnv = new HashMap<>(common);
        apiEnv.put("API_PORT", Integer.toString(apiPort));
        api = new Service("api", jar("api-service"), apiPort, apiEnv, root);

        int workerPort = freePort();
        Map<String, String> workerEnv = new HashMap<>(common);
        workerEnv.put("WORKER_PORT", Integer.toString(workerPort));
        workerEnv.put("WORKER_LEASE_SWEEP_INTERVAL_MS", "500");
        worker = new Service("worker", jar("worker-service"), workerPort, workerEnv, root);

        int runnerPort = freePort();
        runnerEnv = new HashMap<>(common);
        runnerEnv.put("RUNNER_PORT", Integer.toString(runnerPort));
        runnerEnv.put("RUNNER_NAME", "e2e-runner");
        runnerEnv.put("RUNNER_PUBLIC_URL", "http://127.0.0.1:" + runnerPort);
        runnerEnv.put("RUNNER_WORKSPACE_ROOT", root.resolve("workspaces").toString());
        runnerEnv.put("RUNNER_CANCEL_GRACE_SECONDS", "1");
        runnerEnv.put("RUNNER_CAPACITY", "8");
        // Not a login shell: the host's profile (pyenv, nvm, …) must not add output or time to the tests.
        runnerEnv.put("RUNNER_SHELL", "bash -c");
        runnerEnv.put("RUNNER_GIT_BASE_URL", root.resolve("remotes").toUri().toString());
        runnerEnv.putAll(extraRunnerEnv);
        runner = new Service("runner", jar("runner-service"), runnerPort, runnerEnv, root);
    }

    /** Starts all three and waits until each answers /health. */
    static Stack start() throws IOException {
        return start(Map.of());
    }

    /** Like {@link #start()}, with more (or other) environment variables for the runner, e.g. its agent CLIs. */
    static Stack start(Map<String, String> extraRunnerEnv) throws IOException {
        return start(new Stack(
                TestDatabase.shared().freshDatabase(), Files.createTempDirectory("agent-center-e2e"), extraRunnerEnv));
    }

    /** On a database of the test's own (one it may stop), with more environment variables for every service. */
    static Stack start(DatabaseSettings database, Map<String, String> extraEnv, Map<String, String> extraRunnerEnv)
            throws IOException {
        return start(new Stack(database, Files.createTempDirectory("agent-center-e2e"), extraEnv, extraRunnerEnv));
    }

    private static Stack start(Stack stack) throws IOException {
        try {
            stack.api.start(); // migrates the fresh database first, so the others start on a ready schema
            stack.api.awaitHealthy();
            stack.worker.start();
            stack.runner.start();
            stack.worker.awaitHealthy();
            stack.runner.awaitHealthy();
            return stack;
        } catch (RuntimeException | IOException e) {
            stack.close();
            throw e;
        }
    }

    String apiUrl() {
        return "http://127.0.0.1:" + api.port;
    }

    /**
     * Another API process on the same database, as a second node behind a load balancer would be; started, healthy,
     * and stopped with the stack.
     */
    synchronized Service startAnotherApi() throws IOException {
        int port = freePort();
        Map<String, String> env = new HashMap<>(common);
        env.put("API_PORT", Integer.toString(port));
        Service another = new Service("api-" + (extraApis.size() + 2), jar("api-service"), port, env, root);
        extraApis.add(another);
        another.start();
        another.awaitHealthy();
        return another;
    }

    /**
     * Starts one more runner like the first (same database and settings), with its own name, port and workspace
     * root, and waits until it answers /health; {@link #close} stops it.
     */
    Service startRunner(String name) throws IOException {
        int port = freePort();
        Map<String, String> env = new HashMap<>(runnerEnv);
        env.put("RUNNER_PORT", Integer.toString(port));
        env.put("RUNNER_NAME", name);
        env.put("RUNNER_PUBLIC_URL", "http://127.0.0.1:" + port);
        env.put("RUNNER_WORKSPACE_ROOT", root.resolve("workspaces-" + name).toString());
        Service another = new Service(name, jar("runner-service"), port, env, root);
        moreRunners.add(another);
        another.start();
        another.awaitHealthy();
        return another;
    }

    @Override
    public void close() {
        List<Service> services = new ArrayList<>(List.of(worker, runner, api));
        synchronized (this) {
            services.addAll(extraApis);
        }
        for (Service service : services) {
            service.stop();
        }
        moreRunners.forEach(Service::stop);
    }

    /** The module's built jar; {@code -Dagent-center.e2e.jars=DIR} runs the jars in DIR instead (e.g. an older build). */
    private static Path jar(String module) {
        String elsewhere = System.getProperty("agent-center.e2e.jars");
        Path jar = (elsewhere == null || elsewhere.isBlank()
                        ? Path.of("..", module, "target", module + ".jar")
                        : Path.of(elsewhere, module + ".jar"))
                .toAbsolutePath()
                .normalize();
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: build with ./mvnw verify (or package) first");
        }
        return jar;
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One service JVM; its output goes to {@code <root>/<name>.log}. */
    static final class Service {
        final String name;
        final int port;
        private final Path jar;
        private final Map<String, String> env;
        private final Path log;
        private Process process;
        private int starts;

        Service(String name, Path jar, int port, Map<String, String> env, Path root) {
            this.name = name;
            this.jar = jar;
            this.port = port;
            this.env = env;
            this.log = root.resolve(name + ".log");
        }

        void start() throws IOException {
            if (process != null) {
                starts++;
            }
            String java = ProcessHandle.current().info().command().orElse("java");
            // the launcher's JVM options (-Xmx256m: a service must live within it), and a GC log to read its heap
            // high-water mark from (HeapLog)
            List<String> command = new ArrayList<>(List.of(
                    java,
                    "-Xmx256m",
                    "-XX:TieredStopAtLevel=1",
                    "-XX:+UseSerialGC",
                    "-XX:+ExitOnOutOfMemoryError",
                    "-Xlog:gc:file=" + gcLog() + "::filecount=0",
                    "-jar",
                    jar.toString()));
            ProcessBuilder builder = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            builder.environment().putAll(env);
            builder.environment().remove("DATABASE_URL");
            process = builder.start();
        }

        /** The GC log of the JVM started last (a restart starts a new one beside it). */
        Path gcLog() {
            return log.resolveSibling(name + "-gc-" + starts + ".log");
        }

        /** Every GC log this service wrote, one per start. */
        List<Path> gcLogs() {
            List<Path> logs = new ArrayList<>();
            for (int i = 0; i <= starts; i++) {
                Path file = log.resolveSibling(name + "-gc-" + i + ".log");
                if (Files.exists(file)) {
                    logs.add(file);
                }
            }
            return logs;
        }

        boolean alive() {
            return process != null && process.isAlive();
        }

        long pid() {
            return process.pid();
        }

        void awaitHealthy() {
            HttpClient client = HttpClient.newHttpClient();
            Instant deadline = Instant.now().plus(STARTUP);
            while (Instant.now().isBefore(deadline)) {
                if (!process.isAlive()) {
                    throw new IllegalStateException(name + " exited with " + process.exitValue() + ":\n" + tail());
                }
                try {
                    HttpResponse<String> response = client.send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health"))
                                    .timeout(Duration.ofSeconds(2))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
                    if (response.statusCode() == 200) {
                        return;
                    }
                } catch (IOException e) {
                    // not listening yet
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
                process.onExit()
                        .completeOnTimeout(null, 200, java.util.concurrent.TimeUnit.MILLISECONDS)
                        .join();
            }
            throw new IllegalStateException(name + " did not become healthy in " + STARTUP + ":\n" + tail());
        }

        /** SIGKILL: no shutdown hook runs, nothing is cleaned up, like a crash or the OOM killer. */
        void kill() {
            process.destroyForcibly();
            process.onExit().join();
        }

        void stop() {
            if (process != null && process.isAlive()) {
                process.destroy();
                if (process.onExit()
                                .completeOnTimeout(null, 30, java.util.concurrent.TimeUnit.SECONDS)
                                .join()
                        == null) {
                    process.destroyForcibly();
                }
            }
        }

        String tail() {
            try {
                List<String> lines = Files.readAllLines(log);
                return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
            } catch (IOException e) {
                return "(no log: " + e.getMessage() + ")";
            }
        }
    }
}
