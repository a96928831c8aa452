package dev.agentcenter.stack;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One service JVM started by the launcher. Its stdout and stderr go, line by line, to the launcher's stdout with
 * a {@code [label] } prefix and, unprefixed, to {@code <logs>/<label>.log}; the last lines are kept in memory to
 * show why a service died.
 */
final class ServiceProcess {

    private static final int TAIL_LINES = 40;

    private final String label;
    private final Process process;
    private final Instant startedAt = Instant.now();
    private final List<ProcessHandle> descendantsAtStop = new ArrayList<>();
    private final Deque<String> tail = new ArrayDeque<>();
    private final Thread pump;

    private ServiceProcess(String label, Process process, BufferedWriter log, PrintStream out) {
        this.label = label;
        this.process = process;
        this.pump = Thread.ofVirtual().name("output-" + label).start(() -> pump(log, out));
    }

    /**
     * Starts {@code command} in {@code directory} with exactly {@code env} (not merged with anything). A first
     * start keeps the previous log as {@code <label>.previous.log}; a restart appends to the log, after a line that
     * says so, so the death and the restart read as one story.
     */
    static ServiceProcess start(
            String label,
            List<String> command,
            Path directory,
            Map<String, String> env,
            Path logsDir,
            PrintStream out,
            boolean restart)
            throws IOException {
        Files.createDirectories(logsDir);
        Path logFile = logsDir.resolve(label + ".log");
        if (!restart && Files.exists(logFile)) {
            Files.move(logFile, logsDir.resolve(label + ".previous.log"), StandardCopyOption.REPLACE_EXISTING);
        }
        BufferedWriter log = Files.newBufferedWriter(
                logFile, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        if (restart) {
            log.write("---- restarted by ./agent-center at " + Instant.now() + " ----");
            log.newLine();
            log.flush();
        }
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(directory.toFile())
                .redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        builder.environment().clear();
        builder.environment().putAll(env);
        try {
            return new ServiceProcess(label, builder.start(), log, out);
        } catch (IOException e) {
            log.close();
            throw e;
        }
    }

    String label() {
        return label;
    }

    Instant startedAt() {
        return startedAt;
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** The exit code; only meaningful once the process ended. */
    int exitValue() {
        return process.exitValue();
    }

    Process process() {
        return process;
    }

    /** The last lines the service printed. */
    synchronized List<String> tail() {
        return List.copyOf(tail);
    }

    /** Asks the service to stop (SIGTERM): Spring shuts down gracefully. */
    void terminate() {
        if (process.isAlive()) {
            synchronized (descendantsAtStop) {
                process.descendants().forEach(descendantsAtStop::add);
            }
            // Through the handle: Process.destroy() would also close the output pipe and lose the shutdown log.
            process.toHandle().destroy();
        }
    }

    /** Waits for the process to end, up to {@code millis}; true when it ended. */
    boolean awaitExit(long millis) throws InterruptedException {
        return process.waitFor(Math.max(0, millis), TimeUnit.MILLISECONDS);
    }

    /** SIGKILL for the service and anything it started that is still alive. */
    void kill() {
        List<ProcessHandle> descendants = new ArrayList<>(process.descendants().toList());
        synchronized (descendantsAtStop) {
            descendants.addAll(descendantsAtStop);
        }
        process.toHandle().destroyForcibly();
        descendants.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
    }

    /** Waits (bounded) until everything the process printed was copied out. */
    void awaitOutput(long millis) throws InterruptedException {
        pump.join(Math.max(1, millis));
    }

    private void pump(BufferedWriter log, PrintStream out) {
        String prefix = "[" + label + "] ";
        try (log;
                BufferedReader reader =
                        new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                synchronized (this) {
                    if (tail.size() == TAIL_LINES) {
                        tail.removeFirst();
                    }
                    tail.addLast(line);
                }
                out.println(prefix + line);
                log.write(line);
                log.newLine();
                log.flush();
            }
        } catch (IOException e) {
            out.println(prefix + "(output no longer readable: " + e.getMessage() + ")");
        }
    }
}
