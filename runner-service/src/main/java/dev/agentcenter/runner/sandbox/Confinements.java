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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens the {@link RunConfinement} (network and limits) of each sandboxed run. Runner-wide: the cgroups found at
 * start, the model endpoints and the control plane's endpoints.
 */
public final class Confinements {

    private static final Logger log = LoggerFactory.getLogger(Confinements.class);

    private final NetworkProperties network;
    private final ResourceLimits limits;
    private final CgroupHost cgroups;
    private final List<Endpoint> modelEndpoints;
    private final List<Endpoint> controlPlane;
    private final String bwrap;
    private final boolean root;

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
    RunConfinement open(RunScope scope) throws IOException {
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
        CompletableFuture<SandboxNetwork> net = CompletableFuture.supplyAsync(
                () -> {
                    try {
                        return root
                                ? SandboxNetwork.openShared(policy, denied -> logDenied(runId, denied), bwrap)
                                : SandboxNetwork.openPerCommand(policy, denied -> logDenied(runId, denied));
                    } catch (IOException e) {
                        throw new CompletionException(e);
                    }
                },
                task -> Thread.ofVirtual().name("sandbox-network-" + runId).start(task));
        return new RunConfinement(net, cgroup, watch, limits);
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
