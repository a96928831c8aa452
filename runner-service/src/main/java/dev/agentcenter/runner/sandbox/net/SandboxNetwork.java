package dev.agentcenter.runner.sandbox.net;

import java.io.IOException;
import java.io.InputStream;
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
import java.util.Objects;
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
 * <p>Use: {@link #openShared} (or {@link #openPerCommand}), then start each command as {@link #prefix()}{@code bwrap
 * <sandbox args> }{@link #bwrapArguments()}{@code -- }{@link #launcher()}{@code <command>} with {@link
 * #environment()} added to its environment; {@link #close()} when the run ends. In {@code none} mode there is no
 * proxy, no launcher and no variable: only an empty namespace per command.
 */
public final class SandboxNetwork implements AutoCloseable {

    /** The port the proxy has inside the sandbox (Squid's), unless a local model endpoint needs it. */
    public static final int PROXY_PORT = 3128;

    /** Where the sockets' directory is inside the sandbox. */
    public static final String INSIDE = "/run/agent-center-net";

    /** How many times the launcher looks for its listeners (each look runs {@code grep}, about a millisecond). */
    private static final int LISTEN_CHECKS = 3000;

    private static final java.time.Duration HOLDER_START = java.time.Duration.ofSeconds(30);

    /**
     * The variables that point clients at the proxy: the common ones (curl, git, Python, Go, Rust's reqwest as Codex
     * uses it, Bun's fetch as Claude Code uses it) and the package managers' own, as Codex's sandbox proxy sets them
     * (npm, Yarn, pip, Bundler, WebSocket clients).
     */
    static final List<String> PROXY_VARIABLES = List.of(
            "HTTP_PROXY",
            "HTTPS_PROXY",
            "ALL_PROXY",
            "http_proxy",
            "https_proxy",
            "all_proxy",
            "npm_config_http_proxy",
            "npm_config_https_proxy",
            "YARN_HTTP_PROXY",
            "YARN_HTTPS_PROXY",
            "PIP_PROXY",
            "BUNDLE_HTTP_PROXY",
            "BUNDLE_HTTPS_PROXY",
            "WSS_PROXY",
            "wss_proxy");

    static final List<String> NO_PROXY_VARIABLES =
            List.of("NO_PROXY", "no_proxy", "npm_config_noproxy", "YARN_NO_PROXY", "BUNDLE_NO_PROXY");

    /** A connection the run attempted and the proxy refused. */
    public record Denied(String host, int port, String reason) {}

    /** The run's: set again by {@link #assign} on a spare. */
    private volatile NetworkPolicy policy;

    private volatile EgressRules rules;
    private volatile Consumer<Denied> denied;
    /** The loopback ports forwarded to model endpoints on the runner's host: fixed once the listeners run. */
    private java.util.Set<Integer> forwardedPorts = java.util.Set.of();

    private final Path directory;
    private final Path sockets;
    private final List<EgressProxy> servers = new ArrayList<>();
    private final List<String> launcher = new ArrayList<>();
    private final List<String> prefix = new ArrayList<>();
    private Process holder;
    private final Map<String, String> environment = new LinkedHashMap<>();

    private SandboxNetwork(NetworkPolicy policy, Path directory) {
        this.policy = policy;
        this.directory = directory;
        this.sockets = directory == null ? null : directory.resolve("s");
    }

    /**
     * Starts the proxy and the forwards of one run, and one network namespace for all its processes: a small
     * bubblewrap process ({@code bwrap}) holds it, with the {@code socat} listeners in it, and each command enters it
     * with {@code nsenter} ({@link #prefix()}), so listeners start once per run, not once per command. Needs a root
     * runner (entering a namespace takes {@code CAP_SYS_ADMIN}); {@link #openPerCommand} is for the others.
     */
    public static SandboxNetwork openShared(NetworkPolicy policy, Consumer<Denied> denied, String bwrap)
            throws IOException {
        return open(policy, denied, Objects.requireNonNull(bwrap, "bwrap"));
    }

    /**
     * Starts the proxy and the forwards of one run; each command gets a namespace of its own ({@link
     * #bwrapArguments()}) and starts its {@code socat} listeners first ({@link #launcher()}), a few milliseconds per
     * command. Fails when {@code socat} is not installed (modes other than {@code none}); {@link #problem()} says so
     * up front.
     */
    public static SandboxNetwork openPerCommand(NetworkPolicy policy, Consumer<Denied> denied) throws IOException {
        return open(policy, denied, null);
    }

    /**
     * A shared network started before its run is known, so that a run does not wait for it: {@link #assign} gives it
     * its run. Until then its proxy allows what {@code template} allows (nothing can use it: no process is in it).
     */
    public static SandboxNetwork openSpare(NetworkPolicy template, String bwrap) throws IOException {
        if (template.mode() == NetworkMode.NONE) {
            throw new IllegalArgumentException("a network without a proxy has nothing to start ahead");
        }
        return openShared(template, refused -> {}, bwrap);
    }

    /**
     * Makes a spare ({@link #openSpare}) the network of a run with {@code policy}: from now on its proxy decides by
     * {@code policy} and reports refusals to {@code denied}. False, and nothing changed, when it cannot serve that
     * run: another mode than a proxied one, other local model ports, or its namespace's holder gone.
     */
    public boolean assign(NetworkPolicy policy, Consumer<Denied> denied) throws IOException {
        if (policy.mode() == NetworkMode.NONE || holder == null || !holder.isAlive()) {
            return false;
        }
        EgressRules assigned = new EgressRules(policy, InetAddress::getAllByName);
        if (!assigned.localModelPorts().equals(forwardedPorts)) {
            return false;
        }
        this.policy = policy;
        this.denied = denied;
        this.rules = assigned;
        return true;
    }

    private static SandboxNetwork open(NetworkPolicy policy, Consumer<Denied> denied, String bwrap) throws IOException {
        if (policy.mode() == NetworkMode.NONE) {
            return new SandboxNetwork(policy, null);
        }
        String socat = locate("socat")
                .orElseThrow(() -> new IOException("socat is not installed (Debian: apt-get install socat)"));
        // 0700 on the host; the inner directory is what the sandbox sees, at INSIDE.
        SandboxNetwork network = new SandboxNetwork(policy, Files.createTempDirectory("acnet-"));
        try {
            network.start(socat, denied, bwrap);
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

    private void start(String socat, Consumer<Denied> deniedTo, String bwrap) throws IOException {
        Files.createDirectory(
                sockets, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        Files.setPosixFilePermissions(sockets, PosixFilePermissions.fromString("rwxr-xr-x"));
        this.rules = new EgressRules(policy, InetAddress::getAllByName);
        this.denied = deniedTo;
        TreeSet<Integer> forwarded = new TreeSet<>(rules.localModelPorts());
        this.forwardedPorts = java.util.Set.copyOf(forwarded);
        int proxyPort = PROXY_PORT;
        while (forwarded.contains(proxyPort)) {
            proxyPort++;
        }
        StringBuilder script = new StringBuilder("S=")
                .append(quote(socatCommand(socat, bwrap != null)))
                .append('\n');
        Path proxySocket = sockets.resolve("proxy.sock");
        servers.add(EgressProxy.proxy(
                proxySocket,
                () -> rules,
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
        script.append("; do n=$((n+1)); [ $n -lt ").append(LISTEN_CHECKS).append(" ] || break; done 2>/dev/null\n");
        if (bwrap == null) {
            launcher.addAll(List.of("/bin/sh", "-c", script + "exec \"$@\"\n", "agent-center-net"));
        } else {
            startHolder(bwrap, script + "echo ready\nwait\n");
        }
        String proxy = "http://127.0.0.1:" + proxyPort;
        for (String name : PROXY_VARIABLES) {
            environment.put(name, proxy);
        }
        // Servers a build starts on its own loopback (test servers) stay direct, as do the forwarded model endpoints.
        for (String name : NO_PROXY_VARIABLES) {
            environment.put(name, "localhost,127.0.0.1,::1");
        }
    }

    private void listen(StringBuilder script, String kind, int port, String bind, Path socket) {
        script.append("$S ")
                .append(kind)
                .append(':')
                .append(port)
                .append(",bind=")
                .append(bind)
                .append(",reuseaddr,fork ")
                .append(quote("UNIX-CONNECT:" + INSIDE + "/" + socket.getFileName()))
                .append(" &\n");
    }

    /**
     * The process that holds the run's namespace: bwrap with the listeners, the sockets' directory and nothing
     * writable. Its first line says the listeners are up.
     */
    private void startHolder(String bwrap, String script) throws IOException {
        String nsenter =
                locate("nsenter").orElseThrow(() -> new IOException("nsenter is not installed (Debian: util-linux)"));
        List<String> argv = new ArrayList<>(List.of(
                bwrap, "--die-with-parent", "--unshare-net", "--unshare-pid", "--unshare-ipc", "--new-session"));
        argv.addAll(List.of("--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp"));
        argv.addAll(List.of("--tmpfs", "/run", "--bind", sockets.toString(), INSIDE, "--", "sh", "-c", script));
        holder = new ProcessBuilder(argv)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectErrorStream(true)
                .start();
        java.util.concurrent.CompletableFuture<String> ready = java.util.concurrent.CompletableFuture.supplyAsync(
                () -> {
                    try {
                        return new java.io.BufferedReader(new java.io.InputStreamReader(
                                        holder.getInputStream(), java.nio.charset.StandardCharsets.UTF_8))
                                .readLine();
                    } catch (IOException e) {
                        return null;
                    }
                },
                runnable -> Thread.ofVirtual().start(runnable));
        String line;
        try {
            line = ready.get(HOLDER_START.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            line = null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            line = null;
        }
        // Any process below bwrap is inside the namespace.
        Optional<ProcessHandle> inside = holder.toHandle().children().findFirst();
        if (!"ready".equals(line) || inside.isEmpty()) {
            throw new IOException("the sandbox's network did not start: " + (line == null ? "no answer" : line));
        }
        prefix.addAll(List.of(nsenter, "--net=/proc/" + inside.get().pid() + "/ns/net", "--"));
        // The holder's later output (socat's complaints) is not needed; it must not block on a full pipe.
        Thread.ofVirtual().start(() -> {
            try (InputStream in = holder.getInputStream()) {
                in.transferTo(java.io.OutputStream.nullOutputStream());
            } catch (IOException e) {
                // holder gone
            }
        });
    }

    /**
     * socat as the sandbox's listeners run it: as nobody when the runner is root (they only relay bytes between the
     * loopback and the sockets).
     */
    private static String socatCommand(String socat, boolean shared) {
        boolean root = "root".equals(System.getProperty("user.name"));
        Optional<String> setpriv = locate("setpriv");
        if (!shared || !root || setpriv.isEmpty()) {
            return socat;
        }
        return setpriv.get() + " --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all -- "
                + socat;
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
     * Goes before {@code bwrap} (after the cgroup's launcher): {@code nsenter} into the run's namespace when it is
     * shared ({@link #openShared}), else nothing.
     */
    public List<String> prefix() {
        return List.copyOf(prefix);
    }

    /**
     * For {@code bwrap}, after the sandbox's own mounts: a new network namespace and the sockets' directory at {@link
     * #INSIDE} (its parent {@code /run} must not be a read-only bind: on an empty root bwrap creates it).
     */
    public List<String> bwrapArguments() {
        if (holder != null) {
            return List.of(); // the namespace comes from nsenter
        }
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
        if (holder != null) {
            holder.destroyForcibly(); // bwrap's --die-with-parent and the PID namespace take the listeners along
        }
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
