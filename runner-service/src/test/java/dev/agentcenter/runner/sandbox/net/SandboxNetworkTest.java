package dev.agentcenter.runner.sandbox.net;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentcenter.runner.sandbox.MinimalBwrap;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A run's network through real bubblewrap and socat: what gets out through the egress proxy, what does not, and the
 * control plane's ports (stand-ins listening on the runner's host) closed in every mode.
 */
class SandboxNetworkTest {

    private MockWebServer model;
    private MockWebServer other;
    private Listener api;
    private Listener postgres;
    private final List<SandboxNetwork.Denied> denied = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws IOException {
        model = new MockWebServer();
        model.start(InetAddress.getLoopbackAddress(), 0);
        other = new MockWebServer();
        other.start(InetAddress.getLoopbackAddress(), 0);
        api = new Listener(false);
        postgres = new Listener(true);
    }

    @AfterEach
    void stop() throws IOException {
        model.close();
        other.close();
        api.close();
        postgres.close();
    }

    private NetworkPolicy policy(NetworkMode mode, List<String> allowedHosts) {
        return new NetworkPolicy(
                mode,
                allowedHosts,
                List.of(new Endpoint("localhost", model.getPort())),
                List.of(new Endpoint("127.0.0.1", api.port()), new Endpoint("127.0.0.1", postgres.port())));
    }

    /** Both ways of giving commands the run's network: one namespace per run (root runner), or one per command. */
    private SandboxNetwork open(NetworkPolicy policy, boolean shared) throws IOException {
        return shared
                ? SandboxNetwork.openShared(policy, denied::add, "bwrap")
                : SandboxNetwork.openPerCommand(policy, denied::add);
    }

    @ParameterizedTest(name = "shared namespace: {0}")
    @ValueSource(booleans = {true, false})
    void anAllowlistedHostIsReachableAndOneNotAllowlistedIsNot(boolean shared) throws Exception {
        model.enqueue(new MockResponse.Builder().body("direct").build());
        model.enqueue(new MockResponse.Builder().body("proxied").build());
        try (SandboxNetwork network = open(policy(NetworkMode.ALLOWLIST, List.of("localhost")), shared)) {
            String output = run(network, """
                    echo "proxy=$HTTPS_PROXY"
                    curl -sS http://localhost:%1$d/a; echo
                    curl -sS --noproxy '' http://localhost:%1$d/b; echo
                    curl -sS --noproxy '' http://127.0.0.1:%2$d/c; echo
                    curl -sS --noproxy '' http://localhost:%2$d/c; echo
                    curl -sS --noproxy '' http://not-allowed.example/d; echo
                    curl -sS http://127.0.0.1:%2$d/e; echo " direct=$?"
                    """.formatted(model.getPort(), other.getPort()));

            assertThat(output)
                    .contains("proxy=http://127.0.0.1:3128")
                    .contains("direct\n")
                    .contains("proxied\n")
                    .contains("Agent Center sandbox: 127.0.0.1 is not in this task's config.sandbox.allowedHosts")
                    .contains("Agent Center sandbox: localhost:" + other.getPort() + " is on the runner's own host")
                    .contains("Agent Center sandbox: not-allowed.example is not in this task's"
                            + " config.sandbox.allowedHosts")
                    .contains(" direct=7");
        }
        assertThat(model.getRequestCount()).isEqualTo(2);
        assertThat(other.getRequestCount()).isZero();
        assertThat(denied)
                .extracting(SandboxNetwork.Denied::host)
                .containsExactly("127.0.0.1", "localhost", "not-allowed.example");
    }

    /** A network started before its run (a spare) takes the run's policy when it is assigned, and only then. */
    @Test
    void aSpareAssignedToARunEnforcesThatRunsPolicyAndReportsToIt() throws Exception {
        model.enqueue(new MockResponse.Builder().body("model").build());
        try (SandboxNetwork spare = SandboxNetwork.openSpare(policy(NetworkMode.FULL, List.of()), "bwrap")) {
            assertThat(spare.assign(policy(NetworkMode.NONE, List.of()), denied::add))
                    .isFalse();
            NetworkPolicy otherModel = new NetworkPolicy(
                    NetworkMode.ALLOWLIST,
                    List.of(),
                    List.of(new Endpoint("127.0.0.1", other.getPort())),
                    policy(NetworkMode.FULL, List.of()).controlPlane());
            assertThat(spare.assign(otherModel, denied::add))
                    .as("other local model ports")
                    .isFalse();

            assertThat(spare.assign(policy(NetworkMode.ALLOWLIST, List.of("localhost")), denied::add))
                    .isTrue();
            assertThat(spare.mode()).isEqualTo(NetworkMode.ALLOWLIST);
            String output = run(spare, """
                    curl -sS http://localhost:%d/a; echo
                    curl -sS http://allowed-under-full.example/b; echo
                    """.formatted(model.getPort()));

            assertThat(output)
                    .contains("model\n")
                    .contains("Agent Center sandbox: allowed-under-full.example is not in this task's"
                            + " config.sandbox.allowedHosts");
        }
        assertThat(denied).extracting(SandboxNetwork.Denied::host).containsExactly("allowed-under-full.example");
    }

    @ParameterizedTest(name = "{0}, shared namespace: {1}")
    @CsvSource({"NONE,true", "ALLOWLIST,true", "FULL,true", "NONE,false", "ALLOWLIST,false", "FULL,false"})
    void theApiAndPostgresPortsAreRefusedInEveryMode(NetworkMode mode, boolean shared) throws Exception {
        String host = hostAddress();
        try (SandboxNetwork network = open(policy(mode, List.of("localhost", "127.0.0.1", host)), shared)) {
            StringBuilder script = new StringBuilder();
            for (int port : List.of(api.port(), postgres.port())) {
                for (String address : List.of("127.0.0.1", "localhost", host)) {
                    script.append("(exec 3<>/dev/tcp/%s/%d) 2>/dev/null && echo OPEN || echo closed\n"
                            .formatted(address, port));
                    script.append("curl -fsS --max-time 20 --noproxy '' http://%s:%d/ >/dev/null 2>&1 && echo OPEN\n"
                            .formatted(address, port));
                    script.append(
                            "curl -fsS --max-time 20 -p --noproxy '' https://%s:%d/ >/dev/null 2>&1 && echo OPEN\n"
                                    .formatted(address, port));
                }
            }
            String output = run(network, script.toString());

            assertThat(output).doesNotContain("OPEN").contains("closed");
        }
        assertThat(api.accepted()).isZero();
        assertThat(postgres.accepted()).isZero();
        if (mode != NetworkMode.NONE) {
            assertThat(denied)
                    .isNotEmpty()
                    .allSatisfy(denial -> assertThat(denial.reason()).contains("runner's own host"));
        }
    }

    @Test
    void noneHasNoProxyAtAll() throws Exception {
        try (SandboxNetwork network = open(policy(NetworkMode.NONE, List.of()), true)) {
            assertThat(network.launcher()).isEmpty();
            assertThat(network.prefix()).isEmpty();
            assertThat(network.environment()).isEmpty();
            String output = run(
                    network,
                    "echo \"proxy=${HTTPS_PROXY:-}\"; curl -sS http://localhost:%d/; echo \" rc=$?\""
                            .formatted(model.getPort()));
            assertThat(output).contains("proxy=\n").contains(" rc=7");
        }
        assertThat(model.getRequestCount()).isZero();
    }

    /** Runs {@code script} under bash in a minimal bubblewrap sandbox with {@code network}; stdout and stderr. */
    static String run(SandboxNetwork network, String script) throws Exception {
        List<String> argv = new ArrayList<>(network.prefix());
        argv.addAll(MinimalBwrap.argv());
        argv.addAll(network.bwrapArguments());
        argv.add("--");
        argv.addAll(network.launcher());
        argv.addAll(List.of("bash", "-c", script));
        ProcessBuilder builder = new ProcessBuilder(argv).redirectErrorStream(true);
        builder.environment()
                .keySet()
                .removeIf(name -> name.toLowerCase(java.util.Locale.ROOT).endsWith("_proxy"));
        builder.environment().putAll(network.environment());
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return output;
    }

    /** An address of this host's that is not loopback, so "any local address" is really tried. */
    private static String hostAddress() throws IOException {
        return java.net.NetworkInterface.networkInterfaces()
                .filter(network -> {
                    try {
                        return network.isUp() && !network.isLoopback();
                    } catch (IOException e) {
                        return false;
                    }
                })
                .flatMap(java.net.NetworkInterface::inetAddresses)
                .filter(address -> address instanceof java.net.Inet4Address)
                .map(InetAddress::getHostAddress)
                .findFirst()
                .orElse("127.0.0.2");
    }

    /** A control-plane stand-in: a port on the runner's host that counts the connections it accepts. */
    private static final class Listener implements AutoCloseable {
        private final ServerSocket socket;
        private final AtomicInteger accepted = new AtomicInteger();

        Listener(boolean wildcard) throws IOException {
            socket = wildcard ? new ServerSocket(0) : new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            Thread.ofVirtual().start(() -> {
                while (!socket.isClosed()) {
                    try (Socket ignored = socket.accept()) {
                        accepted.incrementAndGet();
                    } catch (IOException e) {
                        return;
                    }
                }
            });
        }

        int port() {
            return socket.getLocalPort();
        }

        int accepted() {
            return accepted.get();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
