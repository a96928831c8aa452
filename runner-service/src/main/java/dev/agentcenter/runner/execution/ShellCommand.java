package dev.agentcenter.runner.execution;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Runs one command line in its own process group so that a cancel or a timeout reaches everything the command
 * started, not just the shell.
 *
 * <p>The process is started as {@code setsid <shell...> <command>}: {@code setsid} makes the shell the leader of a
 * new session and process group whose id equals its pid, so {@code kill -- -<pid>} signals the whole tree, including
 * background jobs ({@code sleep 1000 &}) and grandchildren. Children that start their own session escape the group;
 * those still found among the process's descendants when a stop begins are signalled one by one as well.
 *
 * <p>When the shell exits, whatever it left running in its group is stopped too (TERM, then KILL after the timeout
 * grace). Without this, a background job holding stdout open would keep {@link Running#await()} from ever returning,
 * and one command's leftovers would leak into the next. A command that really wants a daemon to outlive it must
 * detach it ({@code setsid server > log 2>&1 &}).
 *
 * <p>Output is read on two virtual threads and handed to the {@link OutputSink} line by line, in order per stream.
 */
public final class ShellCommand {

    /** How long a timed-out command gets between TERM and KILL. */
    public static final Duration TIMEOUT_GRACE = Duration.ofSeconds(5);

    /**
     * Lines longer than this many bytes (of UTF-8, without the terminator) are not delivered whole: the sink gets
     * their start and their length ({@link OutputSink#longLine}), so one runaway line cannot exhaust memory. A run
     * stores such a line cut at this length, marked {@code truncated} with its {@code originalLength}.
     */
    public static final int MAX_LINE_BYTES = 64 * 1024;

    /**
     * How much more than the limit of an over-long line is kept for the sink: enough for the longest secret the
     * redactor matches, so a secret across the cut is still redacted before the line is cut.
     */
    public static final int LONG_LINE_LOOKAHEAD_BYTES = 16 * 1024;

    /** Exit code reported for a timed-out command that had to be killed, as GNU {@code timeout} does. */
    public static final int TIMEOUT_EXIT_CODE = 124;

    private ShellCommand() {}

    /**
     * What to run.
     *
     * @param shell the shell prefix, e.g. {@code [bash, -c]}; the command line is appended as one argument
     * @param command the command line
     * @param cwd the working directory
     * @param env the complete environment of the process (nothing is inherited; see {@link ChildEnvironment}); {@code
     *     null} means {@link ChildEnvironment#build} of the runner's own environment
     * @param timeout stop the command after this long; {@code null} for no limit
     */
    public record Spec(List<String> shell, String command, Path cwd, Map<String, String> env, Duration timeout) {
        public Spec {
            Objects.requireNonNull(shell, "shell");
            Objects.requireNonNull(command, "command");
            Objects.requireNonNull(cwd, "cwd");
            if (shell.isEmpty()) {
                throw new IllegalArgumentException("shell must not be empty");
            }
            if (timeout != null && (timeout.isNegative() || timeout.isZero())) {
                throw new IllegalArgumentException("timeout must be positive: " + timeout);
            }
            shell = List.copyOf(shell);
            env = env == null ? null : Map.copyOf(env);
        }
    }

    /** Which output stream a line came from. */
    public enum Stream {
        STDOUT,
        STDERR
    }

    /**
     * Receives output lines, without their line terminator. Called from two reader threads at once (one per stream),
     * in order within each stream, so implementations must be thread-safe. An exception thrown here is logged and the
     * stream keeps being read, so that the process never blocks on a full pipe. A sink that blocks (a full journal
     * waiting for its database) pauses the process once the pipe is full: that is the backpressure that keeps output
     * from piling up in memory, and the reader does not give up on a stream while its sink holds it.
     */
    @FunctionalInterface
    public interface OutputSink {
        void line(Stream stream, String line);

        /**
         * A line longer than the limit, at its end: its first bytes (the limit plus {@link
         * #LONG_LINE_LOOKAHEAD_BYTES}, cut between characters) and its whole length in bytes. The default hands the
         * start to {@link #line}.
         */
        default void longLine(Stream stream, String head, long length) {
            line(stream, head);
        }

        /** Bytes of an over-long line that are read and dropped (past its start), as they are read. */
        default void skipped(Stream stream, int bytes) {}
    }

    /**
     * How a command ended.
     *
     * @param exitCode the shell's exit code ({@code 128 + n} when it died of signal {@code n}), or {@link
     *     #TIMEOUT_EXIT_CODE} when a timed-out command had to be killed
     * @param timedOut stopped because it ran longer than {@link Spec#timeout()}
     * @param cancelled stopped by {@link Running#cancel}
     * @param duration from start until the shell exited
     */
    public record Outcome(int exitCode, boolean timedOut, boolean cancelled, Duration duration) {}

    /** A started command. */
    public interface Running {
        /** The shell's pid, which is also its process group id. */
        long pid();

        /**
         * Waits until the shell has exited, its process group is gone and both output streams are drained. May be
         * called any number of times, from any thread.
         */
        Outcome await() throws InterruptedException;

        /**
         * Stops the command: TERM to the whole process group (and to every descendant), then KILL to whatever is
         * left after {@code grace}. Returns once TERM is sent; the KILL happens in the background. Idempotent; a no-op
         * once the command has ended. {@link #await()} then reports {@code cancelled}.
         */
        void cancel(Duration grace);
    }

    /** Starts the command. Throws when the process cannot be started at all (e.g. {@code setsid} is missing). */
    public static Running start(Spec spec, OutputSink sink) throws IOException {
        return start(spec, sink, TIMEOUT_GRACE);
    }

    /** Like {@link #start(Spec, OutputSink)}, with the grace period a timed-out command gets between TERM and KILL. */
    public static Running start(Spec spec, OutputSink sink, Duration timeoutGrace) throws IOException {
        List<String> argv = new ArrayList<>(spec.shell());
        argv.add(spec.command());
        Map<String, String> env = spec.env() != null ? spec.env() : ChildEnvironment.build(System.getenv(), Map.of());
        return startInGroup(argv, spec.cwd(), env, spec.timeout(), timeoutGrace, sink);
    }

    /**
     * A program started with an argument vector, not through a shell, so no argument is ever interpreted by one (a
     * coding agent's prompt, for instance).
     *
     * @param argv the program and its arguments; the program is looked up on the {@code PATH} of {@code env}
     * @param cwd the working directory
     * @param env the complete environment of the process (nothing is inherited)
     * @param stdin a file to read standard input from; {@code null} for {@code /dev/null}
     * @param timeout stop the program after this long; {@code null} for no limit
     * @param maxLineBytes output lines longer than this are delivered cut ({@link OutputSink#longLine})
     */
    public record ArgvSpec(
            List<String> argv, Path cwd, Map<String, String> env, Path stdin, Duration timeout, int maxLineBytes) {
        public ArgvSpec {
            Objects.requireNonNull(argv, "argv");
            Objects.requireNonNull(cwd, "cwd");
            Objects.requireNonNull(env, "env");
            if (argv.isEmpty()) {
                throw new IllegalArgumentException("argv must not be empty");
            }
            if (timeout != null && (timeout.isNegative() || timeout.isZero())) {
                throw new IllegalArgumentException("timeout must be positive: " + timeout);
            }
            if (maxLineBytes < 1024) {
                throw new IllegalArgumentException("maxLineBytes must be at least 1024: " + maxLineBytes);
            }
            argv = List.copyOf(argv);
            env = Map.copyOf(env);
        }
    }

    /**
     * Starts a program in its own process group, exactly like a shell command ({@code setsid}, TERM then KILL of the
     * whole group on cancel or timeout), but from an argument vector.
     */
    public static Running start(ArgvSpec spec, OutputSink sink, Duration timeoutGrace) throws IOException {
        return startInGroup(
                spec.argv(),
                spec.cwd(),
                spec.env(),
                spec.stdin(),
                spec.timeout(),
                timeoutGrace,
                spec.maxLineBytes(),
                sink);
    }

    /** Runs {@code argv} (no shell) under {@code setsid}; used for git. */
    static Running startInGroup(
            List<String> argv,
            Path cwd,
            Map<String, String> env,
            Duration timeout,
            Duration timeoutGrace,
            OutputSink sink)
            throws IOException {
        return startInGroup(argv, cwd, env, null, timeout, timeoutGrace, MAX_LINE_BYTES, sink);
    }

    private static Running startInGroup(
            List<String> argv,
            Path cwd,
            Map<String, String> env,
            Path stdin,
            Duration timeout,
            Duration timeoutGrace,
            int maxLineBytes,
            OutputSink sink)
            throws IOException {
        Objects.requireNonNull(sink, "sink");
        Objects.requireNonNull(timeoutGrace, "timeoutGrace");
        List<String> command = new ArrayList<>(argv.size() + 1);
        command.add("setsid");
        command.addAll(argv);
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(cwd.toFile())
                .redirectInput(
                        ProcessBuilder.Redirect.from(stdin == null ? new java.io.File("/dev/null") : stdin.toFile()));
        builder.environment().clear();
        builder.environment().putAll(env);
        return GroupProcess.start(builder, timeout, timeoutGrace, maxLineBytes, sink);
    }
}
