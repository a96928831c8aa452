package dev.agentcenter.runner.sandbox.net;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Decides, for the egress proxy, whether a run may open a connection to {@code host:port}, and to which addresses.
 *
 * <p>Names are checked before they are resolved, so a run cannot use the proxy's DNS lookups to send data to a host
 * it may not reach. Addresses are checked after: a name that resolves to the runner's host (DNS rebinding, {@code
 * localtest.me}, a hosts entry) is refused like the address itself, and the connection goes to the very address that
 * was checked.
 */
final class EgressRules {

    /** Resolves a host name; {@link InetAddress#getAllByName} outside tests. */
    @FunctionalInterface
    interface Resolver {
        InetAddress[] resolve(String host) throws UnknownHostException;
    }

    sealed interface Decision permits Allow, Deny {}

    /** Connect to the first of these that answers. */
    record Allow(List<InetSocketAddress> targets) implements Decision {}

    /** Refused, with a reason meant for the person reading the run's output. */
    record Deny(String reason, boolean unresolvable) implements Decision {}

    private static final Pattern IP_LITERAL = Pattern.compile("[0-9.]+|[0-9a-fA-F:.]*:[0-9a-fA-F:.]*");

    private final NetworkPolicy policy;
    private final Resolver resolver;
    private final Set<InetAddress> hostAddresses;
    private final Set<InetSocketAddress> controlPlane = new HashSet<>();
    private final Set<Integer> localModelPorts = new HashSet<>();

    EgressRules(NetworkPolicy policy, Resolver resolver) {
        this.policy = policy;
        this.resolver = resolver;
        this.hostAddresses = hostAddresses();
        for (Endpoint endpoint : policy.controlPlane()) {
            for (InetAddress address : resolveQuietly(endpoint.host())) {
                controlPlane.add(new InetSocketAddress(address, endpoint.port()));
            }
        }
        for (Endpoint endpoint : policy.modelEndpoints()) {
            if (resolveQuietly(endpoint.host()).stream().anyMatch(this::isLocal)) {
                localModelPorts.add(endpoint.port());
            }
        }
    }

    /** The ports of model endpoints on the runner's own host: the sandbox forwards them to the same local port. */
    Set<Integer> localModelPorts() {
        return Collections.unmodifiableSet(localModelPorts);
    }

    Decision decide(String requestedHost, int port) {
        Endpoint asked = new Endpoint(requestedHost, port); // lowercase, without IPv6 brackets
        String host = asked.host();
        if (policy.mode() == NetworkMode.NONE) {
            return new Deny("this task's network is none (config.sandbox.network)", false);
        }
        boolean modelEndpoint = policy.modelEndpoints().contains(asked);
        boolean literal = IP_LITERAL.matcher(host).matches();
        if (!modelEndpoint && !policy.admits(host, port) && !(literal && localModelPorts.contains(port))) {
            return new Deny(host + " is not in this task's config.sandbox.allowedHosts (network: allowlist)", false);
        }
        List<InetAddress> addresses;
        try {
            addresses = List.of(resolver.resolve(host));
        } catch (UnknownHostException e) {
            return new Deny(host + " could not be resolved", true);
        }
        List<InetSocketAddress> targets = new ArrayList<>();
        String reason = null;
        for (InetAddress address : addresses) {
            InetSocketAddress target = new InetSocketAddress(address, port);
            if (isLocal(address)) {
                if (modelEndpoint || localModelPorts.contains(port)) {
                    targets.add(target);
                } else {
                    reason = asked + " is on the runner's own host, which a run never reaches (only a configured"
                            + " model endpoint there is forwarded)";
                }
            } else if (controlPlane.contains(target)) {
                reason = asked + " is part of Agent Center's control plane, which a run never reaches";
            } else {
                targets.add(target);
            }
        }
        return targets.isEmpty() ? new Deny(reason, false) : new Allow(targets);
    }

    /**
     * The runner's host: loopback, the wildcard address, link-local addresses (cloud metadata services live at
     * 169.254.169.254) and every address of the host's interfaces.
     */
    boolean isLocal(InetAddress address) {
        return address.isLoopbackAddress()
                || address.isAnyLocalAddress()
                || address.isLinkLocalAddress()
                || hostAddresses.contains(address);
    }

    private List<InetAddress> resolveQuietly(String host) {
        try {
            return List.of(resolver.resolve(host));
        } catch (UnknownHostException e) {
            return List.of();
        }
    }

    private static Set<InetAddress> hostAddresses() {
        Set<InetAddress> addresses = new HashSet<>();
        try {
            NetworkInterface.networkInterfaces()
                    .forEach(network -> network.inetAddresses().forEach(addresses::add));
        } catch (SocketException e) {
            // Without the list, loopback, wildcard and link-local addresses are still refused.
        }
        return addresses;
    }
}
