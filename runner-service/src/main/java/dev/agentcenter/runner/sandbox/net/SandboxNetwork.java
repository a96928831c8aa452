package dev.agentcenter.runner.sandbox.net;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The network of one sandboxed run, following Claude Code's sandbox: a network namespace of its own ({@code bwrap
 * --unshare-net}) whose only way out is the runner's {@link EgressProxy}, reached through a Unix socket bound into
 * the sandbox. Inside, {@code socat} listens on {@code 127.0.0.1:}{@link #PROXY_PORT} and hands each connection to
 * that socket; {@code HTTP_PROXY}, {@code HTTPS_PROXY} and {@code ALL_PROXY} (and their lowercase forms) point
 * there. A model endpoint on the runner's own host gets a listener on its own port inside, forwarded to the host,
 * so its URL works unchanged.
 *
 * <p>Use: {@link #open}, then start the command as {@code bwrap <sandbox args> }{@link #bwrapArguments()}{@code --
 * }{@link #launcher()}{@code <command>} with {@link #environment()} added to its environment; {@link #close()} when
 * the run ends. In {@code none} mode there is no proxy, no launcher and no variable: only the empty namespace.
 */
public final class SandboxNetwork implements AutoCloseable {

    /** The port the proxy has inside the sandbox (Squid's), unless a local model endpoint needs it. */
    public static final int PROXY_PORT = 3128;

    /** Where the sockets' directory is inside the sandbox. */
    public static final String INSIDE = "/run/agent-center-net";

    /** How many times the launcher looks for its listeners (each look runs {@code grep}, about a millisecond). */
    private static final int LISTEN_CHECKS = 3000;

    /** A connection the run attempted and the proxy refused. */
    public record Denied(String host, int port, String reason) {}

    private final NetworkPolicy policy;
    private final Path directory;
    private final Path sockets;
    private final List<EgressProxy> servers = new ArrayList<>();
    private final List<String> launcher = new ArrayList<>();
    private final Map<String, String> environment = new LinkedHashMap<>();

    private SandboxNetwork(NetworkPolicy policy, Path directory) {
        this.policy = policy;
        this.directory = directory;
        this.sockets = directory == null ? null : directory.resolve("s");
    }

    /**
     * Starts the proxy and the forwards of one run. Fails when {@code socat} is not installed (modes other than
     * {@code none}); {@link #problem()} says so up front.
     */
    public static SandboxNetwork open(NetworkPolicy policy, Consumer<Denied> denied) throws IOException {
        if (policy.mode() == NetworkMode.NONE) {
            return new SandboxNetwork(policy, null);
        }
        String socat = locate("socat")
                .orElseThrow(() -> new IOException("socat is not installed (Debian: apt-get install socat)"));
        // 0700 on the host; the inner directory is what the sandbox sees, at INSIDE.
        SandboxNetwork network = new SandboxNetwork(policy, Files.createTempDirectory("acnet-"));
        try {
            network.start(socat, denied);
        } catch (IOException | RuntimeException e) {
            network.close();
            throw e;
        }
        return network;
    }

    /** Why a sandbox cannot have a proxied network on this host, if it cannot. */
    public static Optional<String> problem() {
        return locate("socat").isPresent()
                ? Optional.empty()
                : Optional.of("socat is not installed (Debian: apt-get install socat); it connects the sandbox's"
                        + " network to the runner's egress proxy");
    }

    private void start(String socat, Consumer<Denied> denied) throws IOException {
        Files.createDirectory(
                sockets, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        Files.setPosixFilePermissions(sockets, PosixFilePermissions.fromString("rwxr-xr-x"));
        EgressRules rules = new EgressRules(policy, InetAddress::getAllByName);
        TreeSet<Integer> forwarded = new TreeSet<>(rules.localModelPorts());
        int proxyPort = PROXY_PORT;
        while (forwarded.contains(proxyPort)) {
            proxyPort++;
        }
        StringBuilder script = new StringBuilder("S=").append(quote(socat)).append('\n');
        Path proxySocket = sockets.resolve("proxy.sock");
        servers.add(EgressProxy.proxy(
                proxySocket,
                rules,
                denial -> denied.accept(new Denied(denial.host(), denial.port(), denial.reason()))));
        listen(script, "TCP4-LISTEN", proxyPort, "127.0.0.1", proxySocket);
        List<Integer> waitFor = new ArrayList<>(List.of(proxyPort));
        for (int port : forwarded) {
            Path socket = sockets.resolve("fwd-" + port + ".sock");
            servers.add(EgressProxy.forward(socket, localTargets(port)));
            listen(script, "TCP4-LISTEN", port, "127.0.0.1", socket);
            // "localhost" may resolve to ::1 first inside the sandbox (Node does).
            listen(script, "TCP6-LISTEN", port, "[::1]", socket);
            waitFor.add(port);
        }
        // Start the command only once the listeners are up, or its first request could be refused.
        script.append("n=0; until true");
        for (int port : waitFor) {
            script.append(
                    String.format(Locale.ROOT, " && grep -q ' 0100007F:%04X 00000000:0000 0A' /proc/net/tcp", port));
        }
        script.append("; do n=$((n+1)); [ $n -lt ")
                .append(LISTEN_CHECKS)
                .append(" ] || break; done 2>/dev/null\nexec \"$@\"\n");
        launcher.addAll(List.of("sh", "-c", script.toString(), "agent-center-net"));
        String proxy = "http://127.0.0.1:" + proxyPort;
        for (String name : List.of("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY")) {
            environment.put(name, proxy);
            environment.put(name.toLowerCase(Locale.ROOT), proxy);
        }
        // Servers a build starts on its own loopback (test servers) stay direct, as do the forwarded model endpoints.
        environment.put("NO_PROXY", "localhost,127.0.0.1,::1");
        environment.put("no_proxy", "localhost,127.0.0.1,::1");
    }

    private void listen(StringBuilder script, String kind, int port, String bind, Path socket) {
        script.append("\"$S\" ")
                .append(kind)
                .append(':')
                .append(port)
                .append(",bind=")
                .append(bind)
                .append(",reuseaddr,fork ")
                .append(quote("UNIX-CONNECT:" + INSIDE + "/" + socket.getFileName()))
                .append(" &\n");
    }

    /** Where a model endpoint on {@code port} of the runner's host is: its host's loopback addresses. */
    private List<InetSocketAddress> localTargets(int port) throws UnknownHostException {
        List<InetSocketAddress> targets = new ArrayList<>();
        for (Endpoint endpoint : policy.modelEndpoints()) {
            if (endpoint.port() == port) {
                for (InetAddress address : InetAddress.getAllByName(endpoint.host())) {
                    targets.add(new InetSocketAddress(address, port));
                }
            }
        }
        return targets;
    }

    public NetworkMode mode() {
        return policy.mode();
    }

    /**
     * For {@code bwrap}, after the sandbox's own mounts: a new network namespace and the sockets' directory at {@link
     * #INSIDE} (its parent {@code /run} must not be a read-only bind: on an empty root bwrap creates it).
     */
    public List<String> bwrapArguments() {
        if (sockets == null) {
            return List.of("--unshare-net");
        }
        return List.of("--unshare-net", "--perms", "0755", "--dir", "/run", "--bind", sockets.toString(), INSIDE);
    }

    /** Runs inside the sandbox before the command ({@code exec "$@"}): starts the listeners. Empty for none. */
    public List<String> launcher() {
        return List.copyOf(launcher);
    }

    /** The proxy variables for the run's processes. Empty for none. */
    public Map<String, String> environment() {
        return Map.copyOf(environment);
    }

    @Override
    public void close() {
        servers.forEach(EgressProxy::close);
        if (directory != null) {
            try (Stream<Path> files = Files.walk(directory)) {
                for (Path path :
                        files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(path);
                }
            } catch (IOException e) {
                // A temporary directory of sockets: left for the system's tmp cleaner.
            }
        }
    }

    static Optional<String> locate(String program) {
        String path = System.getenv().getOrDefault("PATH", "") + ":/usr/bin:/bin:/usr/local/bin";
        for (String dir : path.split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
                return Optional.of(Path.of(dir, program).toString());
            }
        }
        return Optional.empty();
    }

    private static String quote(String text) {
        return "'" + text.replace("'", "'\\''") + "'";
    }
}
