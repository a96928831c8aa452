package dev.agentcenter.runner.sandbox;

import dev.agentcenter.runner.execution.ShellCommand;
import java.io.IOException;
import java.time.Duration;

/**
 * Where a run's processes execute: the one seam every command and every coding agent a run starts goes through.
 *
 * <p>A backend decides what a started process can see and touch. {@link BubblewrapSandbox} starts each process in
 * its own mount, PID, IPC and UTS namespaces, as an unprivileged uid, with only the run's workspace, its task's agent
 * state, a private {@code /tmp} and {@code HOME} writable and the system read-only; {@link NoSandbox} starts it on the
 * host as the runner's user (the behaviour before issue 14). A future backend (a Kubernetes pod per run, say)
 * implements the same two steps: {@link #open} when the run starts, {@link Session#start} for each
 * process, {@link Session#close} when the run ends.
 *
 * <p>The runner's own git calls (clone, checkout, diff, delivery) are not started through a session: they carry the
 * repository token and run as the runner, hardened by {@code GitRunner} instead.
 */
public interface Sandbox {

    /** What this backend isolates, as reported in the log, {@code /health} and {@code runners.isolation}. */
    Isolation isolation();

    /**
     * Opens the sandbox of one run. Called when the run starts, while its workspace is being prepared (cloned,
     * checked out: it may not exist yet), and before its first process starts.
     *
     * @throws SandboxUnavailableException when the run cannot be isolated as asked
     */
    Session open(SandboxScope scope);

    /** One run's sandbox. */
    interface Session extends AutoCloseable {

        /**
         * Starts one process of the run, exactly like {@link ShellCommand#start(ShellCommand.ArgvSpec,
         * ShellCommand.OutputSink, Duration)} (own process group, TERM then KILL on cancel and timeout), inside the
         * sandbox. The spec's paths (cwd, {@code PATH} entries, the program) are host paths; a backend maps them.
         */
        ShellCommand.Running start(ShellCommand.ArgvSpec spec, ShellCommand.OutputSink sink, Duration timeoutGrace)
                throws IOException;

        /**
         * The resource limit the run went past, if any (see {@code limits}): everything in the run was stopped, and
         * the run fails with this code and message.
         */
        default java.util.Optional<RunConfinement.Breach> limitBreach() {
            return java.util.Optional.empty();
        }

        /** Ends the run's sandbox: removes its private {@code /tmp} and {@code HOME}. Never throws. */
        @Override
        void close();
    }

    /** How a runner isolates runs. */
    enum Isolation {
        /** Every process in bubblewrap namespaces, as an unprivileged uid. */
        BUBBLEWRAP,
        /** Processes run on the host as the runner's user. */
        NONE;

        /** The wire form: {@code bubblewrap} or {@code none}. */
        public String wire() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }
}
