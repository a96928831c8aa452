package dev.agentcenter.runner.execution;

import dev.agentcenter.runner.execution.ShellCommand.Outcome;
import dev.agentcenter.runner.execution.ShellCommand.OutputSink;
import dev.agentcenter.runner.execution.ShellCommand.Stream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

/**
 * A process started under {@code setsid}, its output readers and its supervisor (timeout, then clean-up of the group
 * once the leader exits). All stops (cancel, timeout, leftovers after exit) share one escalation, so they can race
 * without signalling twice or reporting twice.
 */
final class GroupProcess implements ShellCommand.Running {

    private static final System.Logger LOG = System.getLogger(GroupProcess.class.getName());

    /**
     * How long to keep reading after the group is gone. Output can only still be open if a process left the group
     * (its own {@code setsid}) while keeping our pipes; we do not wait for such a process forever.
     */
    private static final Duration DRAIN_AFTER_EXIT = Duration.ofSeconds(10);

    private enum Stop {
        CANCELLED,
        TIMED_OUT
    }

    private final Process process;
    private final long pid;
    private final long startNanos = System.nanoTime();
    private final OutputSink sink;
    private final AtomicReference<Stop> stop = new AtomicReference<>();
    private final AtomicBoolean terminating = new AtomicBoolean();
    private final CompletableFuture<Boolean> terminated = new CompletableFuture<>();
    private final CompletableFuture<Outcome> outcome = new CompletableFuture<>();
    private final AtomicBoolean sinkFailureLogged = new AtomicBoolean();
    private volatile boolean detached;
    private Thread stdoutReader;
    private Thread stderrReader;
    /** Per stream: a reader is inside the sink (e.g. waiting for the journal), not waiting for the process. */
    private final java.util.concurrent.atomic.AtomicIntegerArray inSink =
            new java.util.concurrent.atomic.AtomicIntegerArray(2);

    private GroupProcess(Process process, OutputSink sink) {
        this.process = process;
        this.pid = process.pid();
        this.sink = sink;
    }

    static GroupProcess start(
            ProcessBuilder builder, Duration timeout, Duration timeoutGrace, int maxLineBytes, OutputSink sink)
            throws IOException {
        return adopt(builder.start(), timeout, timeoutGrace, maxLineBytes, sink);
    }

    /** Supervises a process already started under {@code setsid} ({@link StandbyProcess}), from now on. */
    static GroupProcess adopt(
            Process process, Duration timeout, Duration timeoutGrace, int maxLineBytes, OutputSink sink) {
        GroupProcess running = new GroupProcess(process, sink);
        running.stdoutReader = running.reader(running.process.getInputStream(), Stream.STDOUT, maxLineBytes);
        running.stderrReader = running.reader(running.process.getErrorStream(), Stream.STDERR, maxLineBytes);
        Thread.ofVirtual().name("command-" + running.pid).start(() -> running.supervise(timeout, timeoutGrace));
        return running;
    }

    @Override
    public long pid() {
        return pid;
    }

    @Override
    public Outcome await() throws InterruptedException {
        try {
            return outcome.get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("Supervising process " + pid + " failed", e.getCause());
        }
    }

    @Override
    public void cancel(Duration grace) {
        // After the shell has exited there is nothing left to cancel, and the run did finish on its own.
        if (process.isAlive() && stop.compareAndSet(null, Stop.CANCELLED)) {
            terminate(grace);
        }
    }

    private Thread reader(InputStream in, Stream stream, int maxLineBytes) {
        LineReader lines = new LineReader(
                maxLineBytes, maxLineBytes + ShellCommand.LONG_LINE_LOOKAHEAD_BYTES, new LineReader.Lines() {
                    @Override
                    public void line(String line) {
                        deliver(stream, () -> sink.line(stream, line));
                    }

                    @Override
                    public void longLine(String head, long length) {
                        deliver(stream, () -> sink.longLine(stream, head, length));
                    }

                    @Override
                    public void skipped(int bytes) {
                        deliver(stream, () -> sink.skipped(stream, bytes));
                    }
                });
        return Thread.ofVirtual().name("command-" + pid + "-" + stream).start(() -> {
            try (in) {
                lines.pump(in);
            } catch (IOException e) {
                // The stream was closed under us: the process is gone and nothing more will come.
            }
        });
    }

    private void deliver(Stream stream, Runnable call) {
        if (detached) {
            return;
        }
        inSink.incrementAndGet(stream.ordinal());
        try {
            call.run();
        } catch (RuntimeException e) {
            if (sinkFailureLogged.compareAndSet(false, true)) {
                LOG.log(System.Logger.Level.WARNING, "Output sink of process " + pid + " failed; still reading", e);
            }
        } finally {
            inSink.decrementAndGet(stream.ordinal());
        }
    }

    private void supervise(Duration timeout, Duration timeoutGrace) {
        try {
            if (timeout != null
                    && !process.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS)
                    && stop.compareAndSet(null, Stop.TIMED_OUT)) {
                terminate(timeoutGrace);
            }
            int exitCode = process.waitFor();
            Duration duration = Duration.ofNanos(System.nanoTime() - startNanos);
            // Joins a stop already under way, or clears out what the shell left running in its group.
            boolean killed = terminate(timeoutGrace).join();
            drain();
            Stop reason = stop.get();
            if (reason == Stop.TIMED_OUT && killed) {
                exitCode = ShellCommand.TIMEOUT_EXIT_CODE;
            }
            outcome.complete(new Outcome(exitCode, reason == Stop.TIMED_OUT, reason == Stop.CANCELLED, duration));
        } catch (Throwable e) {
            outcome.completeExceptionally(e);
        }
    }

    /**
     * Waits for both readers. Time spent in the sink does not count: a sink waiting for its database holds the rest
     * of the output in the pipe, and that output must not be dropped. Only a pipe that stays open without anything
     * to read (a process that left the group keeps it) is given up after {@link #DRAIN_AFTER_EXIT}.
     */
    private void drain() throws InterruptedException {
        long deadline = System.nanoTime() + DRAIN_AFTER_EXIT.toNanos();
        Stream[] streams = {Stream.STDOUT, Stream.STDERR};
        Thread[] readers = {stdoutReader, stderrReader};
        for (int i = 0; i < readers.length; i++) {
            while (!readers[i].join(Duration.ofMillis(100))) {
                if (inSink.get(streams[i].ordinal()) > 0) {
                    deadline = System.nanoTime() + DRAIN_AFTER_EXIT.toNanos();
                } else if (System.nanoTime() - deadline > 0) {
                    LOG.log(
                            System.Logger.Level.WARNING,
                            "Output of process {0} is still open after its group ended; ignoring the rest",
                            pid);
                    detached = true;
                    return;
                }
            }
        }
    }

    /**
     * TERM now, KILL after {@code grace} if anything survived. The first call wins; later calls return the same
     * future, which completes with true when KILL was needed.
     */
    private CompletableFuture<Boolean> terminate(Duration grace) {
        if (!terminating.compareAndSet(false, true)) {
            return terminated;
        }
        // Captured before signalling: once the shell dies, its children are re-parented and no longer descendants.
        List<ProcessHandle> tree = java.util.stream.Stream.concat(
                        java.util.stream.Stream.of(process.toHandle()),
                        process.toHandle().descendants())
                .toList();
        boolean groupHadMembers = ProcessGroups.signal(pid, "TERM");
        tree.forEach(ProcessHandle::destroy);
        Set<Long> pids = tree.stream().map(ProcessHandle::pid).collect(Collectors.toSet());
        if (!groupHadMembers && tree.stream().noneMatch(ProcessHandle::isAlive)) {
            terminated.complete(false);
        } else {
            Thread.ofVirtual().name("command-" + pid + "-stop").start(() -> escalate(tree, pids, grace));
        }
        return terminated;
    }

    private void escalate(List<ProcessHandle> tree, Set<Long> pids, Duration grace) {
        try {
            boolean killed = false;
            if (!awaitGone(pids, grace)) {
                ProcessGroups.signal(pid, "KILL");
                tree.forEach(ProcessHandle::destroyForcibly);
                killed = true;
                // KILL cannot be ignored; this only waits for the kernel to finish tearing the processes down.
                awaitGone(pids, grace.plusSeconds(5));
            }
            terminated.complete(killed);
        } catch (Throwable e) {
            terminated.completeExceptionally(e);
        }
    }

    /** Polls until the group and the captured processes are gone; false if {@code limit} passed first. */
    private boolean awaitGone(Set<Long> pids, Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        long pause = 10;
        while (ProcessGroups.alive(pid, pids)) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            try {
                Thread.sleep(Math.min(pause, TimeUnit.NANOSECONDS.toMillis(left) + 1));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return !ProcessGroups.alive(pid, pids);
            }
            pause = Math.min(pause * 2, 200);
        }
        return true;
    }

    @Override
    public String toString() {
        return "GroupProcess[pid=" + pid + "]";
    }
}
