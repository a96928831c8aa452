package dev.agentcenter.runner.sandbox;

import dev.agentcenter.runner.agent.AgentProperties;
import dev.agentcenter.runner.sandbox.limits.CgroupHost;
import dev.agentcenter.runner.sandbox.limits.ResourceLimits;
import dev.agentcenter.runner.sandbox.net.Endpoint;
import dev.agentcenter.runner.sandbox.net.NetworkProperties;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The runner-wide part of sandboxed runs' network and limits ({@link Confinements}). */
@Configuration(proxyBeanMethods = false)
class ConfinementConfiguration {

    private static final Logger log = LoggerFactory.getLogger(ConfinementConfiguration.class);

    /** An empty run cgroup younger than this may be a run that is just starting, on another runner of this host. */
    private static final Duration STALE_AFTER = Duration.ofMinutes(10);

    private static final Pattern JDBC_HOSTS = Pattern.compile("jdbc:postgresql://([^/?]+).*");

    @Bean
    Confinements confinements(
            NetworkProperties network,
            ResourceLimits limits,
            AgentProperties agents,
            @Value("${agent-center.sandbox.bwrap:bwrap}") String bwrap,
            @Value("${spring.datasource.url:}") String datasourceUrl,
            Clock clock) {
        List<Endpoint> models = new ArrayList<>();
        for (String url : new String[] {agents.openaiBaseUrl(), agents.anthropicBaseUrl()}) {
            if (url != null) {
                models.add(Endpoint.of(URI.create(url)));
            }
        }
        // The runner's own ports, and the API's and worker's on this host, are closed with every local address.
        List<Endpoint> controlPlane = postgres(datasourceUrl);
        CgroupHost cgroups = CgroupHost.detect();
        int stale = cgroups.removeStale(clock.instant().minus(STALE_AFTER));
        if (stale > 0) {
            log.info("Removed {} empty run cgroups left by a runner that stopped without closing its runs", stale);
        }
        return new Confinements(
                network, limits, cgroups, models, controlPlane, bwrap, "root".equals(System.getProperty("user.name")));
    }

    /** The hosts and ports of a {@code jdbc:postgresql://host[:port][,host[:port]…]/db} URL (default port 5432). */
    static List<Endpoint> postgres(String url) {
        Matcher matcher = JDBC_HOSTS.matcher(url == null ? "" : url);
        if (!matcher.matches()) {
            return List.of();
        }
        List<Endpoint> endpoints = new ArrayList<>();
        for (String hostPort : matcher.group(1).split(",")) {
            String host = hostPort;
            int port = 5432;
            int colon = hostPort.lastIndexOf(':');
            if (colon > 0 && hostPort.substring(colon + 1).matches("[0-9]{1,5}") && !hostPort.endsWith("]")) {
                host = hostPort.substring(0, colon);
                port = Integer.parseInt(hostPort.substring(colon + 1));
            }
            if (!host.isBlank()) {
                endpoints.add(new Endpoint(host, port));
            }
        }
        return endpoints;
    }
}
