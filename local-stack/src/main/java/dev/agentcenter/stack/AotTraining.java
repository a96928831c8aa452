package dev.agentcenter.stack;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * Trains the missing AOT caches one at a time, niced, in the background while the stack serves, so that the next
 * start is faster. Never fails the stack: a cache that cannot be made is reported and the service starts as before.
 */
final class AotTraining {

    private final StackConfig config;
    private final Path root;
    private final Map<String, String> childEnv;
    private final Console console;
    private final BooleanSupplier stopping;
    private volatile Process training;

    AotTraining(
            StackConfig config, Path root, Map<String, String> childEnv, Console console, BooleanSupplier stopping) {
        this.config = config;
        this.root = root;
        this.childEnv = childEnv;
        this.console = console;
        this.stopping = stopping;
    }

    void startInBackground(List<AotCache> caches) {
        if (!caches.isEmpty()) {
            Thread.ofVirtual().name("aot-training").start(() -> train(caches));
        }
    }

    private void train(List<AotCache> caches) {
        console.info("preparing a faster next start in the background (AOT cache for "
                + caches.stream().map(cache -> cache.service().label()).toList() + ")");
        for (AotCache cache : caches) {
            String label = cache.service().label();
            Path log = config.logsDir().resolve(label + ".aot-training.log");
            try {
                if (stopping.getAsBoolean()) {
                    return;
                }
                Files.deleteIfExists(log);
                boolean done = cache.train(
                        ServiceSupervisor.javaExecutable(),
                        ChildEnvironment.forService(cache.service(), childEnv),
                        root,
                        log,
                        process -> {
                            training = process;
                            if (stopping.getAsBoolean()) {
                                kill();
                            }
                        });
                if (stopping.getAsBoolean()) {
                    return;
                }
                console.info(
                        done
                                ? "AOT cache ready for " + label + ": it starts faster next time"
                                : "no AOT cache for " + label + " (see " + console.display(log)
                                        + "); it starts as before");
            } catch (IOException e) {
                console.info("no AOT cache for " + label + ": " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Ends a training JVM that is running, with whatever it started. */
    void kill() {
        Process process = training;
        if (process != null && process.isAlive()) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
    }
}
