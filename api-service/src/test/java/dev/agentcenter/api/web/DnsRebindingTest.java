package dev.agentcenter.api.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentcenter.api.ApiTestBase;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;

/**
 * Finding 2 of the security issue: the API answered any {@code Host}. A page on {@code http://evil.example:3000}
 * rebinds its name to 127.0.0.1; from then on the browser treats the API as that page's own origin and sends
 * {@code Host: evil.example:3000}, {@code Origin: http://evil.example:3000}, {@code Sec-Fetch-Site: same-origin}.
 * Only the {@code Host} tells the request apart, so it is checked on every route, {@code /health} and the web UI
 * included. These tests run with the default configuration: no API token.
 */
class DnsRebindingTest extends ApiTestBase {

    private String evilHost() {
        return "evil.example:" + port;
    }

    /** The headers a browser sends from a rebound page, plus {@code extra}. */
    private Map<String, String> rebound(String... extra) {
        Map<String, String> headers = RawHttp.headers(
                port,
                "Host",
                evilHost(),
                "Origin",
                "http://" + evilHost(),
                "Sec-Fetch-Site",
                "same-origin",
                "Sec-Fetch-Mode",
                "cors",
                "Sec-Fetch-Dest",
                "empty");
        for (int i = 0; i < extra.length; i += 2) {
            headers.put(extra[i], extra[i + 1]);
        }
        return headers;
    }

    @Test
    void aReboundPageCannotReadTheApi() {
        RawHttp.send(port, "GET", "/api/workspaces", rebound(), null).expectProblem(421, "host_not_allowed");
        RawHttp.send(port, "GET", "/api/credentials", rebound(), null).expectProblem(421, "host_not_allowed");
    }

    @Test
    void aReboundPageCannotCreateOrRunAnything() {
        long workspaces = count("workspaces");
        long runs = count("runs");
        String body = JSON.writeValueAsString(Map.of("slug", unique("rebind"), "name", "Rebound"));

        RawHttp.send(port, "POST", "/api/workspaces", rebound("Content-Type", "application/json"), body)
                .expectProblem(421, "host_not_allowed");
        UUID task = newTask();
        RawHttp.send(
                        port,
                        "POST",
                        "/api/runs",
                        rebound("Content-Type", "application/json"),
                        JSON.writeValueAsString(Map.of("taskId", task)))
                .expectProblem(421, "host_not_allowed");

        assertThat(count("workspaces")).isEqualTo(workspaces + 1); // the one newTask() made through loopback
        assertThat(count("runs")).isEqualTo(runs);
    }

    @Test
    void aReboundPageCannotOpenTheWebSocket() {
        RawHttp.webSocketHandshake(port, "/ws", "Host", evilHost(), "Origin", "http://" + evilHost())
                .expectProblem(421, "host_not_allowed");
        // the same handshake through a loopback name is the web UI's own, and opens
        RawHttp.webSocketHandshake(port, "/ws", "Origin", "http://127.0.0.1:" + port)
                .expect(101);
    }

    @Test
    void aReboundPageCannotFollowARun() {
        UUID run = post("/api/runs", Map.of("taskId", newTask())).expect(201).id();
        RawHttp.send(port, "GET", "/api/runs/" + run + "/events/stream", rebound("Accept", "text/event-stream"), null)
                .expectProblem(421, "host_not_allowed");
    }

    @Test
    void healthAndTheWebUiAnswerLoopbackNamesOnly() {
        for (String host : List.of(
                "127.0.0.1:" + port,
                "localhost:" + port,
                "LocalHost:" + port,
                "[::1]:" + port,
                "localhost",
                "127.0.0.1")) {
            RawHttp.send(port, "GET", "/health", RawHttp.headers(port, "Host", host), null)
                    .expect(200);
            RawHttp.send(port, "GET", "/", RawHttp.headers(port, "Host", host), null)
                    .expect(200);
        }
        RawHttp.send(port, "GET", "/health", RawHttp.headers(port, "Host", evilHost()), null)
                .expectProblem(421, "host_not_allowed");
        RawHttp.send(port, "GET", "/", RawHttp.headers(port, "Host", evilHost()), null)
                .expectProblem(421, "host_not_allowed");
        RawHttp.send(port, "GET", "/v3/api-docs", RawHttp.headers(port, "Host", evilHost()), null)
                .expectProblem(421, "host_not_allowed");
    }

    @Test
    void lookalikeNamesAreNotLoopback() {
        for (String host : List.of(
                "127.0.0.1.evil.example:" + port,
                "localhost.evil.example:" + port,
                "evil-localhost:" + port,
                "127.0.0.2:" + port,
                "0.0.0.0:" + port,
                "evil.example")) {
            RawHttp.send(port, "GET", "/api/workspaces", RawHttp.headers(port, "Host", host), null)
                    .expectProblem(421, "host_not_allowed");
        }
    }

    @Test
    void aRequestWithoutAHostIsNeverServed() {
        RawHttp.Response response =
                RawHttp.send(port, "GET", "/api/workspaces", RawHttp.headers(port, "Host", null), null);
        assertThat(response.status()).as(response.body()).isBetween(400, 499);
    }

    private UUID newTask() {
        return post(
                        "/api/tasks",
                        Map.of(
                                "workspaceId",
                                newWorkspace(),
                                "title",
                                "Rebinding",
                                "config",
                                Map.of("commands", List.of(Map.of("command", "echo hi")))))
                .expect(201)
                .id();
    }

    /** An API served under a real name: that name is allowed, on its port or any, and loopback still is. */
    @Nested
    @TestPropertySource(properties = {FrontDoorTestProperties.ALLOWED_HOSTS, FrontDoorTestProperties.ALLOWED_ORIGINS})
    class WithAllowedHosts extends ApiTestBase {

        @Test
        void theConfiguredNamesAreServed() {
            for (String host : List.of(
                    "agents.example.com", "agents.example.com:" + port, "AGENTS.example.com:443", "ci.internal:8443")) {
                RawHttp.send(port, "GET", "/api/workspaces", RawHttp.headers(port, "Host", host), null)
                        .expect(200);
            }
            RawHttp.get(port, "/api/workspaces").expect(200);
        }

        @Test
        void otherNamesAndOtherPortsAreNot() {
            for (String host : List.of("ci.internal:9999", "ci.internal", "evil.example:" + port, "example.com")) {
                RawHttp.send(port, "GET", "/api/workspaces", RawHttp.headers(port, "Host", host), null)
                        .expectProblem(421, "host_not_allowed");
            }
        }
    }
}
