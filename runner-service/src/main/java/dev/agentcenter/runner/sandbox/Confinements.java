package dev.agentcenter.runner.sandbox;

import dev.agentcenter.model.AgentProvider;
import dev.agentcenter.model.SandboxConfig;
import dev.agentcenter.runner.sandbox.limits.CgroupHost;
import dev.agentcenter.runner.sandbox.limits.LimitWatch;
import dev.agentcenter.runner.sandbox.limits.ResourceLimits;
import dev.agentcenter.runner.sandbox.limits.RunCgroup;
import dev.agentcenter.runner.sandbox.net.Endpoint;
import dev.agentcenter.runner.sandbox.net.NetworkMode;
import dev.agentcenter.runner.sandbox.net.NetworkPolicy;
import dev.agentcenter.runner.sandbox.net.NetworkProperties;
import dev.agentcenter.runner.sandbox.net.ProviderHosts;
import dev.agentcenter.runner.sandbox.net.SandboxNetwork;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens the {@link RunConfinement} (network and limits) of each sandboxed run. Runner-wide: the cgroups found at
 * start, the model endpoints and the control plane's endpoints.
 */
public final class Confinements implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Confinements.class);

    private final NetworkProperties network;
    private final ResourceLimits limits;
    private final CgroupHost cgroups;
    private final List<Endpoint> modelEndpoints;
    private final List<Endpoint> controlPlane;
    private final String bwrap;
    private final boolean root;
    /** The network the next run with a proxied network gets; null until a run needed one. */
    private CompletableFuture<SandboxNetwork> spare;

    private boolean closed;

    /**
     * @param modelEndpoints {@code AGENT_OPENAI_BASE_URL}, {@code AGENT_ANTHROPIC_BASE_URL}
     * @param controlPlane Postgres, the runner's own port, {@code RUNNER_SANDBOX_CONTROL_PLANE}
     * @param bwrap the bubblewrap binary, for the process that holds a run's network namespace
     * @param root whether the runner is root: then a run's commands share one network namespace ({@code nsenter})
     */
    public Confinements(
            NetworkProperties network,
            ResourceLimits limits,
            CgroupHost cgroups,
            List<Endpoint> modelEndpoints,
            List<Endpoint> controlPlane,
            String bwrap,
            boolean root) {
        this.network = network;
        this.limits = limits;
        this.cgroups = cgroups;
        this.modelEndpoints = List.copyOf(modelEndpoints);
        List<Endpoint> closed = new ArrayList<>(controlPlane);
        closed.addAll(network.controlPlaneEndpoints());
        this.controlPlane = List.copyOf(closed);
        this.bwrap = bwrap;
        this.root = root;
        cgroups.problem()
                .ifPresent(problem ->
                        log.warn("!!! Sandboxed runs are NOT limited in memory, processes and CPU: {}", problem));
        SandboxNetwork.problem()
                .ifPresent(problem ->
                        log.warn("!!! Sandboxed runs with network allowlist or full cannot start: {}", problem));
    }

    /** What cannot be enforced on this host, if anything: for {@code /health}. */
    public Optional<String> limitsProblem() {
        return cgroups.problem();
    }

    /** The confinement of the run of {@code scope}, as its task's {@code config.sandbox} asks. */
    RunConfinement open(SandboxScope scope) throws IOException {
        SandboxConfig config = scope.config();
        NetworkMode mode = config == null || config.network() == null
                ? null
                : NetworkMode.parse(config.network().name());
        return open(
                scope.runId(),
                mode,
                config == null ? null : config.allowedHosts(),
                scope.agent(),
                List.of(scope.workspace(), scope.agentState()));
    }

    /**
     * The confinement of one run: its cgroup now, its network in the background ({@link
     * RunConfinement#awaitNetwork()}).
     *
     * @param mode the task's {@code config.sandbox.network}; null for {@code RUNNER_SANDBOX_NETWORK}
     * @param allowedHosts the task's {@code config.sandbox.allowedHosts}
     * @param agent the run's coding agent, whose API hosts an allowlist gets; null or NONE for none
     * @param watched the directories whose size counts against {@code RUNNER_SANDBOX_DISK}
     */
    public RunConfinement open(
            UUID runId, NetworkMode mode, List<String> allowedHosts, AgentProvider agent, List<Path> watched)
            throws IOException {
        List<String> allowed = new ArrayList<>(allowedHosts == null ? List.of() : allowedHosts);
        if (agent == AgentProvider.CODEX) {
            allowed.addAll(ProviderHosts.CODEX);
        } else if (agent == AgentProvider.CLAUDE) {
            allowed.addAll(ProviderHosts.CLAUDE);
        }
        NetworkPolicy policy =
                new NetworkPolicy(mode == null ? network.mode() : mode, allowed, modelEndpoints, controlPlane);
        RunCgroup cgroup = null;
        LimitWatch watch = null;
        if (cgroups.available()) {
            RunCgroup created = cgroups.create("run-" + runId, limits);
            cgroup = created;
            watch = LimitWatch.start(created, watched, limits, breach -> {
                log.warn("Run {} went past a limit ({}); stopping everything it runs", runId, breach.code());
                created.killAll();
            });
        }
        CompletableFuture<SandboxNetwork> net;
        try {
            net = network(runId, policy);
        } catch (RuntimeException e) {
            if (watch != null) {
                watch.close();
                cgroup.close();
            }
            throw e;
        }
        return new RunConfinement(net, cgroup, watch, limits, () -> {
            if (root && policy.mode() != NetworkMode.NONE) {
                startSpare(policy);
            }
        });
    }

    /**
     * The run's network, starting in the background. A shared one (root runner, a proxied mode) is the spare started
     * when an earlier run ended, if it fits, so a run does not wait for bwrap and the proxy's listeners (15–20 ms).
     */
    private CompletableFuture<SandboxNetwork> network(UUID runId, NetworkPolicy policy) {
        Consumer<SandboxNetwork.Denied> denied = refused -> logDenied(runId, refused);
        if (!root || policy.mode() == NetworkMode.NONE) {
            return inBackground(
                    "sandbox-network-" + runId,
                    () -> root
                            ? SandboxNetwork.openShared(policy, denied, bwrap)
                            : SandboxNetwork.openPerCommand(policy, denied));
        }
        CompletableFuture<SandboxNetwork> taken;
        synchronized (this) {
            if (closed) {
                throw new IllegalStateException("the runner is stopping");
            }
            taken = spare;
            spare = null;
        }
        if (taken == null) {
            return inBackground("sandbox-network-" + runId, () -> SandboxNetwork.openShared(policy, denied, bwrap));
        }
        return taken.handleAsync(
                (started, failed) -> {
                    try {
                        if (started != null && started.assign(policy, denied)) {
                            return started;
                        }
                        if (started != null) {
                            started.close();
                        }
                        return SandboxNetwork.openShared(policy, denied, bwrap);
                    } catch (IOException e) {
                        throw new CompletionException(e);
                    }
                },
                task -> Thread.ofVirtual().name("sandbox-network-" + runId).start(task));
    }

    /**
     * Starts the spare network when a run's network closes, unless there is one: as many namespaces as before, and
     * its start (bwrap, socat: CPU) does not compete with a run's first command, as it would when the run took it.
     */
    private void startSpare(NetworkPolicy template) {
        synchronized (this) {
            if (!closed && spare == null) {
                spare = inBackground("sandbox-network-spare", () -> SandboxNetwork.openSpare(template, bwrap));
            }
        }
    }

    /** Something that starts a network; it may fail. */
    @FunctionalInterface
    private interface NetworkStart {
        SandboxNetwork start() throws IOException;
    }

    private static CompletableFuture<SandboxNetwork> inBackground(String name, NetworkStart start) {
        return CompletableFuture.supplyAsync(
                () -> {
                    try {
                        return start.start();
                    } catch (IOException e) {
                        throw new CompletionException(e);
                    }
                },
                task -> Thread.ofVirtual().name(name).start(task));
    }

    /** Stops the spare network, when the runner stops. */
    @Override
    public void close() {
        CompletableFuture<SandboxNetwork> left;
        synchronized (this) {
            closed = true;
            left = spare;
            spare = null;
        }
        if (left != null) {
            left.thenAccept(SandboxNetwork::close);
        }
    }

    private static void logDenied(UUID runId, SandboxNetwork.Denied denied) {
        log.info(
                "Run {}: the sandbox refused a connection to {}:{}: {}",
                runId,
                denied.host(),
                denied.port(),
                denied.reason());
    }
}
