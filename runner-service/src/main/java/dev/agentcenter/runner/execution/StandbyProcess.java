package dev.agentcenter.runner.execution;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A process started before its command is known, so that what has to happen ahead of every command of a run (joining
 * the run's cgroup) is done while nothing waits for it. This is the per-task shim of container runtimes, made of a
 * shell: moving a process into a cgroup v1 hierarchy waits for an RCU grace period (10–20 ms), which a process born
 * in the cgroup does not.
 *
 * <p>It starts as {@code setsid <prefix...> bash -c <script>}: the prefix does its work and {@code exec}s bash, which
 * then waits for one line on its standard input. {@link #run} writes the command there (the path of a request file,
 * mode 0600: its environment may hold secrets), and bash changes to its directory, takes its standard input and
 * {@code exec}s it with exactly its environment. The pid, the process group and the pipes stay the same through every
 * {@code exec}, so the command is supervised like one {@link ShellCommand#start started} the usual way.
 */
public final class StandbyProcess implements AutoCloseable {

    /**
     * Reads the request (NUL-separated: directory, standard input or empty, the number of environment entries, the
     * entries, the argument vector) and becomes the command. End of input without a request: exit quietly.
     */
    private static final String SCRIPT = """
            IFS= read -r request || exit 0
            mapfile -d '' -t field < "$request" || exit 125
            cd -- "${field[0]}" || exit 125
            if [ -n "${field[1]}" ]; then exec < "${field[1]}" || exit 125; else exec < /dev/null; fi
            exec /usr/bin/env -i -- "${field[@]:3:field[2]}" "${field[@]:3+field[2]}"
            """;

    private static final Map<String, String> ENVIRONMENT =
            Map.of("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG", "C.UTF-8");

    private final Process process;
    private final Path requests;
    private boolean used;

    private StandbyProcess(Process process, Path requests) {
        this.process = process;
        this.requests = requests;
    }

    /**
     * Starts a standby process.
     *
     * @param prefix what runs first and then {@code exec}s its arguments (it must, or the command never starts)
     * @param requests a directory only the runner can read, for the request file
     */
    public static StandbyProcess start(List<String> prefix, Path requests) throws IOException {
        List<String> argv = new ArrayList<>();
        argv.add("setsid");
        argv.addAll(prefix);
        argv.addAll(List.of("/bin/bash", "-c", SCRIPT, "agent-center-standby"));
        ProcessBuilder builder = new ProcessBuilder(argv).directory(requests.toFile());
        builder.environment().clear();
        builder.environment().putAll(ENVIRONMENT);
        return new StandbyProcess(builder.start(), requests);
    }

    /** Whether it can still take a command: started, not used, not ended (a failed prefix ends it). */
    public synchronized boolean ready() {
        return !used && process.isAlive();
    }

    /**
     * Hands it {@code spec}: from here on it is {@code spec}'s process, exactly as {@link ShellCommand#start(
     * ShellCommand.ArgvSpec, ShellCommand.OutputSink, Duration)} would have started it (whatever the prefix wrote
     * before, an error for instance, is the command's output). Once only.
     */
    public ShellCommand.Running run(ShellCommand.ArgvSpec spec, ShellCommand.OutputSink sink, Duration timeoutGrace)
            throws IOException {
        Objects.requireNonNull(sink, "sink");
        Path request;
        synchronized (this) {
            if (used) {
                throw new IllegalStateException("a standby process runs one command");
            }
            request = writeRequest(spec);
            used = true;
        }
        try (OutputStream in = process.getOutputStream()) {
            in.write((request + "\n").getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            // It ended meanwhile; its exit code and what it printed say why.
        }
        process.onExit().thenRun(() -> deleteQuietly(request));
        return GroupProcess.adopt(process, spec.timeout(), timeoutGrace, spec.maxLineBytes(), sink);
    }

    private Path writeRequest(ShellCommand.ArgvSpec spec) throws IOException {
        StringBuilder fields = new StringBuilder();
        field(fields, spec.cwd().toAbsolutePath().toString());
        field(fields, spec.stdin() == null ? "" : spec.stdin().toAbsolutePath().toString());
        field(fields, Integer.toString(spec.env().size()));
        spec.env().forEach((name, value) -> field(fields, name + "=" + value));
        spec.argv().forEach(argument -> field(fields, argument));
        Path request = Files.createTempFile(
                requests,
                "request-",
                "",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(request, fields, StandardCharsets.UTF_8);
        return request;
    }

    private static void field(StringBuilder fields, String value) {
        if (value.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("an argument or environment entry contains a NUL byte");
        }
        fields.append(value).append('\0');
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // the request directory goes with its run
        }
    }

    /** Ends it if it never got a command; a no-op once it has one. */
    @Override
    public synchronized void close() {
        if (!used) {
            used = true;
            process.destroyForcibly();
        }
    }
}
