package dev.agentcenter.runner.sandbox;

import dev.agentcenter.runner.sandbox.limits.LimitWatch;
import dev.agentcenter.runner.sandbox.limits.ResourceLimits;
import dev.agentcenter.runner.sandbox.limits.RunCgroup;
import dev.agentcenter.runner.sandbox.net.SandboxNetwork;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The network and the resource limits of one sandboxed run (the {@code net} and {@code limits} packages), as the
 * bubblewrap backend puts them around each process: {@link #beforeBwrap()} (join the run's cgroup, enter its
 * network namespace), {@link #bwrapArguments()}, {@link #beforeCommand()} (inside, as the run's uid) and {@link
 * #environment()}. A breach of a limit kills everything in the run's cgroup at once; the run then fails with its code
 * ({@link #breach()}).
 */
public final class RunConfinement implements AutoCloseable {

    private final SandboxNetwork network;
    private final RunCgroup cgroup;
    private final LimitWatch watch;
    private final ResourceLimits limits;

    RunConfinement(SandboxNetwork network, RunCgroup cgroup, LimitWatch watch, ResourceLimits limits) {
        this.network = network;
        this.cgroup = cgroup;
        this.watch = watch;
        this.limits = limits;
    }

    List<String> beforeBwrap() {
        List<String> argv = new ArrayList<>();
        if (cgroup != null) {
            argv.addAll(cgroup.launcher());
        }
        argv.addAll(network.prefix());
        return argv;
    }

    List<String> bwrapArguments() {
        return network.bwrapArguments();
    }

    List<String> beforeCommand() {
        return network.launcher();
    }

    Map<String, String> environment() {
        return network.environment();
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
        network.close();
    }
}
