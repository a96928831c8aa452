package dev.agentcenter.runner.sandbox;

import dev.agentcenter.runner.sandbox.limits.LimitWatch;
import dev.agentcenter.runner.sandbox.limits.ResourceLimits;
import dev.agentcenter.runner.sandbox.limits.RunCgroup;
import dev.agentcenter.runner.sandbox.net.SandboxNetwork;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * The network and the resource limits of one sandboxed run (the {@code net} and {@code limits} packages), as the
 * bubblewrap backend puts them around each process: {@link #cgroupLauncher()} (join the run's cgroup; a standby
 * process does that ahead of the command), {@link #networkPrefix()} (enter its network namespace), {@link
 * #bwrapArguments()}, {@link #beforeCommand()} (inside, as the run's uid) and {@link #environment()}. The network
 * is a spare started earlier, or starts in the background while the first process joins the cgroup (each 15–20 ms). A breach of a limit kills everything in the run's cgroup at once; the run then fails with its code
 * ({@link #breach()}).
 */
public final class RunConfinement implements AutoCloseable {

    /** Starting while the run's cgroup is joined: see {@link #awaitNetwork()}. */
    private final CompletableFuture<SandboxNetwork> network;

    private final RunCgroup cgroup;
    private final LimitWatch watch;
    private final ResourceLimits limits;

    /** Runs once the run's network is closed. */
    private final Runnable afterClose;

    RunConfinement(
            CompletableFuture<SandboxNetwork> network,
            RunCgroup cgroup,
            LimitWatch watch,
            ResourceLimits limits,
            Runnable afterClose) {
        this.network = network;
        this.cgroup = cgroup;
        this.watch = watch;
        this.limits = limits;
        this.afterClose = afterClose;
    }

    /**
     * Waits until the run's network is up (its namespace held, its proxy listening).
     *
     * @throws IOException why it could not start
     */
    public void awaitNetwork() throws IOException {
        try {
            network.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof IOException io
                    ? io
                    : new IOException(e.getCause().getMessage(), e);
        }
    }

    private SandboxNetwork network() {
        return network.join();
    }

    /** Joins the run's cgroup, then {@code exec}s its arguments (nothing without limits). */
    List<String> cgroupLauncher() {
        return cgroup == null ? List.of() : cgroup.launcher();
    }

    /** Enters the run's network namespace, then {@code exec}s its arguments (nothing for per-command namespaces). */
    List<String> networkPrefix() {
        return network().prefix();
    }

    /** Both: what goes before {@code bwrap}. */
    List<String> beforeBwrap() {
        List<String> argv = new ArrayList<>(cgroupLauncher());
        argv.addAll(networkPrefix());
        return argv;
    }

    List<String> bwrapArguments() {
        return network().bwrapArguments();
    }

    List<String> beforeCommand() {
        return network().launcher();
    }

    Map<String, String> environment() {
        return network().environment();
    }

    /** The limit the run went past, with the code and message the run fails with. */
    public Optional<Breach> breach() {
        return watch == null
                ? Optional.empty()
                : watch.breach().map(found -> new Breach(found.code(), found.message(limits)));
    }

    /** A limit the run went past: its error code and message. */
    public record Breach(String code, String message) {}

    @Override
    public void close() {
        if (watch != null) {
            watch.close();
        }
        if (cgroup != null) {
            cgroup.close();
        }
        SandboxNetwork started = network.handle((up, failed) -> up).join();
        if (started != null) {
            started.close();
        }
        afterClose.run();
    }
}
