package dev.agentcenter.stack;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * A JDK AOT cache (JEP 483/514) per service: classes loaded and linked ahead of time, which cuts a service's start
 * to about a third. A cache is made by a training run that stops right after the Spring context refreshed
 * ({@code -Dspring.context.exit=onRefresh}: beans are created, no lifecycle is started, no port is bound) and
 * only works for an extracted jar, not a nested fat jar. The launcher trains in the background after the stack is
 * ready, so the first start is not slowed down and the next one is faster; a cache that no longer matches the
 * jar, the JDK or the JVM options is ignored and trained again.
 */
final class AotCache {

    private static final String FORMAT = "1";

    private final Service service;
    private final Path fatJar;
    private final Path directory;
    private final List<String> javaOptions;

    AotCache(Service service, Path fatJar, Path cacheRoot, List<String> javaOptions) {
        this.service = service;
        this.fatJar = fatJar;
        this.directory = cacheRoot.resolve(service.label());
        this.javaOptions = List.copyOf(javaOptions);
    }

    Service service() {
        return service;
    }

    private Path cacheFile() {
        return directory.resolve(service.label() + ".aot");
    }

    private Path stampFile() {
        return directory.resolve("stamp");
    }

    private Path extractedJar() {
        return directory.resolve("app").resolve(service.module() + ".jar");
    }

    /** What the cache depends on: the jar, the JDK, the JVM options. */
    String fingerprint() throws IOException {
        return String.join(
                "\n",
                "format " + FORMAT,
                "jar " + fatJar.toAbsolutePath() + " " + Files.size(fatJar) + " "
                        + Files.getLastModifiedTime(fatJar).toMillis(),
                "jdk " + System.getProperty("java.home") + " " + System.getProperty("java.vm.version"),
                "options " + String.join(" ", javaOptions));
    }

    /** True when a cache exists for exactly this jar, JDK and options. */
    boolean usable() {
        try {
            return Files.isRegularFile(cacheFile())
                    && Files.isRegularFile(extractedJar())
                    && Files.isRegularFile(stampFile())
                    && Files.readString(stampFile(), StandardCharsets.UTF_8).equals(fingerprint());
        } catch (IOException e) {
            return false;
        }
    }

    /** The arguments after the JVM options: the cache and the extracted jar when usable, else the fat jar. */
    List<String> launchArguments() {
        if (usable()) {
            return List.of("-XX:AOTCache=" + cacheFile(), "-jar", extractedJar().toString());
        }
        return List.of("-jar", fatJar.toString());
    }

    /**
     * Extracts the jar and runs a training JVM that writes the cache. {@code started} receives each process so the
     * caller can kill it when the stack stops. Returns true when the cache was written.
     */
    boolean train(String java, Map<String, String> env, Path workDir, Path log, Consumer<Process> started)
            throws IOException, InterruptedException {
        deleteRecursively(directory);
        Files.createDirectories(directory);
        List<String> extract = List.of(
                java,
                "-Djarmode=tools",
                "-jar",
                fatJar.toString(),
                "extract",
                "--destination",
                directory.resolve("app").toString());
        if (!run(extract, env, workDir, log, started)) {
            return false;
        }
        Path partial = directory.resolve("partial-" + service.label() + ".aot");
        List<String> training = new ArrayList<>();
        if (Files.isExecutable(Path.of("/usr/bin/nice"))) {
            training.addAll(List.of("/usr/bin/nice", "-n", "10")); // the stack is in use meanwhile: yield to it
        }
        training.add(java);
        training.addAll(javaOptions);
        training.add("-XX:AOTCacheOutput=" + partial);
        training.add("-Dspring.context.exit=onRefresh");
        training.add("-jar");
        training.add(extractedJar().toString());
        if (!run(training, env, workDir, log, started) || !Files.isRegularFile(partial)) {
            return false;
        }
        Files.move(partial, cacheFile(), StandardCopyOption.ATOMIC_MOVE);
        Files.writeString(stampFile(), fingerprint(), StandardCharsets.UTF_8);
        return true;
    }

    private static boolean run(
            List<String> command, Map<String, String> env, Path workDir, Path log, Consumer<Process> started)
            throws IOException, InterruptedException {
        Files.createDirectories(log.getParent());
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(workDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        builder.environment().clear();
        builder.environment().putAll(env);
        Process process = builder.start();
        started.accept(process);
        if (!process.waitFor(10, TimeUnit.MINUTES)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            return false;
        }
        return process.exitValue() == 0;
    }

    private static void deleteRecursively(Path path) throws IOException {
        if (!Files.exists(path)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(path)) {
            for (Path each : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(each);
            }
        }
    }
}
