package dev.agentcenter.stack;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * What {@code up} needs to know, read once from the environment: where the data lives, which ports the services
 * use, and how to start their JVMs.
 *
 * @param root the repository root: jars are found and services run there
 * @param dataDir {@code AGENT_CENTER_DATA_DIR} (default {@code .agent-center/data}): Postgres data, generated secrets
 * @param databaseUrl {@code DATABASE_URL}, or {@code null} to run the embedded Postgres
 * @param endpoints where each service listens
 * @param startupTimeout {@code AGENT_CENTER_STARTUP_TIMEOUT_SECONDS} (default 180): how long {@code up} waits for
 *     every service to be healthy
 * @param javaOptions JVM options for the services: {@code AGENT_CENTER_JAVA_OPTS} when set, else small-footprint
 *     defaults
 * @param aot {@code AGENT_CENTER_AOT} (default true): start services from an AOT cache trained after the first start
 */
record StackConfig(
        Path root,
        Path dataDir,
        String databaseUrl,
        Map<Service, Endpoint> endpoints,
        Duration startupTimeout,
        List<String> javaOptions,
        boolean aot) {

    /**
     * JVM options that keep a service small and quick to start on a laptop: C1 only (most of a local service's
     * life is idle; C2 compiles cost more CPU at startup than they return), the serial collector (no GC threads,
     * smallest footprint), a bounded heap and smaller thread stacks.
     */
    static final List<String> DEFAULT_JAVA_OPTIONS = List.of(
            "-XX:TieredStopAtLevel=1",
            "-XX:+UseSerialGC",
            "-Xss512k",
            "-Xms32m",
            "-Xmx256m",
            "-XX:+ExitOnOutOfMemoryError");

    /** Where a service listens and where to reach it from this machine. */
    record Endpoint(String host, int port) {

        /** The address to connect to: a wildcard bind address is reached through loopback. */
        String connectHost() {
            return switch (host) {
                case "0.0.0.0", "" -> "127.0.0.1";
                case "::", "[::]", "::0" -> "::1";
                default -> host;
            };
        }

        URI baseUrl() {
            String connect = connectHost();
            String literal = connect.contains(":") && !connect.startsWith("[") ? "[" + connect + "]" : connect;
            return URI.create("http://" + literal + ":" + port);
        }
    }

    static StackConfig fromEnvironment(Map<String, String> env, Path root) {
        Path dataDir = root.resolve(nonBlank(env.get("AGENT_CENTER_DATA_DIR"), ".agent-center/data"))
                .toAbsolutePath()
                .normalize();
        Map<Service, Endpoint> endpoints = new EnumMap<>(Service.class);
        for (Service service : Service.values()) {
            String host = nonBlank(env.get(service.hostVariable()), "127.0.0.1");
            int port = parsePort(service.portVariable(), env.get(service.portVariable()), service.defaultPort());
            endpoints.put(service, new Endpoint(host, port));
        }
        String timeout = nonBlank(env.get("AGENT_CENTER_STARTUP_TIMEOUT_SECONDS"), "180");
        Duration startupTimeout;
        try {
            startupTimeout = Duration.ofSeconds(Long.parseLong(timeout.strip()));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    "AGENT_CENTER_STARTUP_TIMEOUT_SECONDS must be a number of seconds, not '" + timeout + "'");
        }
        String javaOpts = env.get("AGENT_CENTER_JAVA_OPTS");
        List<String> javaOptions = javaOpts == null || javaOpts.isBlank()
                ? DEFAULT_JAVA_OPTIONS
                : List.of(javaOpts.strip().split("\\s+"));
        String databaseUrl = env.get("DATABASE_URL");
        String aot = nonBlank(env.get("AGENT_CENTER_AOT"), "true").strip();
        if (!aot.equalsIgnoreCase("true") && !aot.equalsIgnoreCase("false")) {
            throw new IllegalArgumentException("AGENT_CENTER_AOT must be true or false, not '" + aot + "'");
        }
        return new StackConfig(
                root,
                dataDir,
                databaseUrl == null || databaseUrl.isBlank() ? null : databaseUrl.strip(),
                Map.copyOf(endpoints),
                startupTimeout,
                javaOptions,
                Boolean.parseBoolean(aot));
    }

    Endpoint endpoint(Service service) {
        return endpoints.get(service);
    }

    /** Service logs go next to the data directory, so deleting the data keeps the logs of what happened. */
    Path logsDir() {
        return dataDir.resolveSibling("logs");
    }

    /** AOT caches and extracted jars: derived data, safe to delete. */
    Path cacheDir() {
        return dataDir.resolveSibling("cache");
    }

    /** Jars that the build has not produced yet. */
    List<Path> missingJars() {
        List<Path> missing = new ArrayList<>();
        for (Service service : Service.values()) {
            if (!service.jar(root).toFile().isFile()) {
                missing.add(root.relativize(service.jar(root)));
            }
        }
        return missing;
    }

    private static int parsePort(String variable, String value, int fallback) {
        if (value == null || value.isBlank()) {
            return fallback;
        }
        try {
            int port = Integer.parseInt(value.strip());
            if (port < 1 || port > 65535) {
                throw new NumberFormatException();
            }
            return port;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(variable + " must be a port number (1-65535), not '" + value + "'");
        }
    }

    private static String nonBlank(String value, String fallback) {
        return value == null || value.isBlank() ? fallback : value;
    }
}
