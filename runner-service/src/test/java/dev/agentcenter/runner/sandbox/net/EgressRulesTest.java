package dev.agentcenter.runner.sandbox.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The proxy's decisions, with names resolved from a table so that "outside" hosts exist without a network. */
class EgressRulesTest {

    private final List<String> lookups = new ArrayList<>();
    private final Map<String, String> dns = Map.of(
            "repo.example.org", "192.0.2.10",
            "cdn.pkg.example.org", "192.0.2.11",
            "db.internal", "192.0.2.20",
            "rebind.example.org", "127.0.0.1",
            "metadata.example.org", "169.254.169.254",
            "localhost", "127.0.0.1");

    private InetAddress[] resolve(String host) throws UnknownHostException {
        lookups.add(host);
        String address = dns.getOrDefault(host, host.matches("[0-9.]+|.*:.*") ? host : null);
        if (address == null) {
            throw new UnknownHostException(host);
        }
        return new InetAddress[] {InetAddress.getByName(address)};
    }

    private EgressRules rules(NetworkMode mode, List<String> allowed, List<Endpoint> models) {
        return new EgressRules(
                new NetworkPolicy(mode, allowed, models, List.of(new Endpoint("db.internal", 5432))), this::resolve);
    }

    @Test
    void allowlistAdmitsListedNamesAndSubdomainsOnly() throws Exception {
        EgressRules rules = rules(NetworkMode.ALLOWLIST, List.of("repo.example.org", "*.pkg.example.org"), List.of());

        assertThat(rules.decide("repo.example.org", 443))
                .isEqualTo(new EgressRules.Allow(
                        List.of(new InetSocketAddress(InetAddress.getByName("192.0.2.10"), 443))));
        assertThat(rules.decide("CDN.pkg.example.org", 80)).isInstanceOf(EgressRules.Allow.class);
        assertThat(rules.decide("pkg.example.org", 80)).isInstanceOf(EgressRules.Deny.class);
        assertThat(rules.decide("evil.example.org", 443))
                .isEqualTo(new EgressRules.Deny(
                        "evil.example.org is not in this task's config.sandbox.allowedHosts (network: allowlist)",
                        false));
        // A refused name is never looked up: DNS is not a way out either.
        assertThat(lookups).doesNotContain("evil.example.org", "pkg.example.org");
    }

    @Test
    void theRunnersHostAndTheControlPlaneAreClosedInFullMode() {
        EgressRules rules = rules(NetworkMode.FULL, List.of(), List.of());

        assertThat(rules.decide("repo.example.org", 443)).isInstanceOf(EgressRules.Allow.class);
        assertThat(rules.decide("db.internal", 5432))
                .isEqualTo(new EgressRules.Deny(
                        "db.internal:5432 is part of Agent Center's control plane, which a run never reaches", false));
        assertThat(rules.decide("db.internal", 80)).isInstanceOf(EgressRules.Allow.class);
        for (String local : List.of("127.0.0.1", "localhost", "rebind.example.org", "0.0.0.0", "::1", "[::1]")) {
            assertThat(rules.decide(local, 3000))
                    .as(local)
                    .isInstanceOfSatisfying(
                            EgressRules.Deny.class,
                            deny -> assertThat(deny.reason()).contains("runner's own host"));
        }
        assertThat(rules.decide("metadata.example.org", 80)).isInstanceOf(EgressRules.Deny.class);
        assertThat(rules.decide("unknown.example.org", 443))
                .isEqualTo(new EgressRules.Deny("unknown.example.org could not be resolved", true));
    }

    @Test
    void aModelEndpointOnTheRunnersHostIsTheOneLocalException() {
        EgressRules rules = rules(NetworkMode.ALLOWLIST, List.of(), List.of(new Endpoint("localhost", 8089)));

        assertThat(rules.localModelPorts()).containsExactly(8089);
        assertThat(rules.decide("localhost", 8089)).isInstanceOf(EgressRules.Allow.class);
        assertThat(rules.decide("127.0.0.1", 8089)).isInstanceOf(EgressRules.Allow.class);
        assertThat(rules.decide("localhost", 8090)).isInstanceOf(EgressRules.Deny.class);
        assertThat(rules.decide("127.0.0.1", 5432)).isInstanceOf(EgressRules.Deny.class);
    }

    @Test
    void anAllowedHostWithAPortIsAllowedOnThatPortOnly() {
        EgressRules rules = rules(NetworkMode.ALLOWLIST, List.of("repo.example.org:8443"), List.of());

        assertThat(rules.decide("repo.example.org", 8443)).isInstanceOf(EgressRules.Allow.class);
        assertThat(rules.decide("repo.example.org", 443)).isInstanceOf(EgressRules.Deny.class);
    }

    @Test
    void noneRefusesEverything() {
        EgressRules rules = rules(NetworkMode.NONE, List.of("repo.example.org"), List.of());

        assertThat(rules.decide("repo.example.org", 443)).isInstanceOf(EgressRules.Deny.class);
    }

    @Test
    void allowedHostsAreNamesWildcardDomainsOrAddresses() {
        assertThat(List.of(
                        "example.org",
                        "*.example.org",
                        "10.0.0.1",
                        "::1",
                        "[::1]",
                        "Example.ORG.",
                        "example.org:8443",
                        "[2001:db8::1]:443",
                        "10.0.0.1:22"))
                .allMatch(NetworkPolicy::isHostPattern);
        assertThat(List.of(
                        "",
                        "https://example.org",
                        "example.org:0",
                        "example.org:99999",
                        "*example.org",
                        "a.*.org",
                        "ex ample",
                        "*",
                        "example.org/path"))
                .noneMatch(NetworkPolicy::isHostPattern);
        assertThatThrownBy(() -> new NetworkPolicy(NetworkMode.ALLOWLIST, List.of("example.org/x"), null, null))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
