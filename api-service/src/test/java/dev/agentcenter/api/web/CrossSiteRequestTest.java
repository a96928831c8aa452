package dev.agentcenter.api.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentcenter.api.ApiTestBase;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;

/**
 * Finding 8 of the security issue (and the {@code /ws} half of finding 2): a page on another site, open in the
 * user's browser, sends requests to the API on 127.0.0.1 — a form post, a {@code no-cors} fetch, a WebSocket.
 * With the default configuration (no token) nothing but the request's own headers tells it from the web UI. Each
 * request below carries the headers a browser really sends in that situation.
 */
class CrossSiteRequestTest extends ApiTestBase {

    private static final String EVIL = "http://evil.example";

    private String self() {
        return "http://127.0.0.1:" + port;
    }

    /** What the web UI's fetch sends from its own page. */
    private Map<String, String> sameOrigin(String... extra) {
        return with(
                RawHttp.headers(
                        port,
                        "Origin",
                        self(),
                        "Sec-Fetch-Site",
                        "same-origin",
                        "Sec-Fetch-Mode",
                        "cors",
                        "Sec-Fetch-Dest",
                        "empty",
                        "Accept",
                        "application/json, application/problem+json"),
                extra);
    }

    /** What a fetch from another site sends ({@code mode: 'no-cors'} needs no preflight). */
    private Map<String, String> crossSiteFetch(String... extra) {
        return with(
                RawHttp.headers(
                        port,
                        "Origin",
                        EVIL,
                        "Sec-Fetch-Site",
                        "cross-site",
                        "Sec-Fetch-Mode",
                        "no-cors",
                        "Sec-Fetch-Dest",
                        "empty"),
                extra);
    }

    /** What an auto-submitted {@code <form method=post>} on another site sends. */
    private Map<String, String> crossSiteForm(String contentType) {
        return RawHttp.headers(
                port,
                "Origin",
                EVIL,
                "Sec-Fetch-Site",
                "cross-site",
                "Sec-Fetch-Mode",
                "navigate",
                "Sec-Fetch-Dest",
                "document",
                "Content-Type",
                contentType);
    }

    @Test
    void theWebUiWritesFromItsOwnOrigin() {
        String body = JSON.writeValueAsString(Map.of("slug", unique("ui"), "name", "From the UI"));
        RawHttp.send(port, "POST", "/api/workspaces", sameOrigin("Content-Type", "application/json"), body)
                .expect(201);
        // the UI's body-less POSTs carry no Content-Type at all (web-ui/src/api/client.ts)
        UUID automation = newAutomation();
        RawHttp.send(port, "POST", "/api/automations/" + automation + "/disable", sameOrigin(), "")
                .expect(200);
        RawHttp.send(port, "POST", "/api/automations/" + automation + "/trigger", sameOrigin(), "")
                .expect(201);
        RawHttp.send(port, "DELETE", "/api/automations/" + automation, sameOrigin(), null)
                .expect(204);
    }

    @Test
    void curlAndTheSdkSendNoOriginAndStillWork() {
        String body = JSON.writeValueAsString(Map.of("slug", unique("curl"), "name", "From curl"));
        RawHttp.send(port, "POST", "/api/workspaces", RawHttp.headers(port, "Content-Type", "application/json"), body)
                .expect(201);
        UUID automation = newAutomation();
        // curl -X POST: no type, no body
        RawHttp.send(port, "POST", "/api/automations/" + automation + "/disable", RawHttp.headers(port), null)
                .expect(200);
        // the SDK: an empty JSON body (sdk-java Transport)
        RawHttp.send(
                        port,
                        "POST",
                        "/api/automations/" + automation + "/enable",
                        RawHttp.headers(port, "Content-Type", "application/json; charset=utf-8"),
                        "")
                .expect(200);
    }

    @Test
    void aCrossSiteFetchWithJsonIsRefusedAndCreatesNothing() {
        long before = count("workspaces");
        String body = JSON.writeValueAsString(Map.of("slug", unique("evil"), "name", "Evil"));
        RawHttp.send(
                        port,
                        "POST",
                        "/api/workspaces",
                        crossSiteFetch("Sec-Fetch-Mode", "cors", "Content-Type", "application/json"),
                        body)
                .expectProblem(403, "origin_not_allowed");
        assertThat(count("workspaces")).isEqualTo(before);
    }

    @Test
    void aCrossSiteBodylessFetchCannotTriggerEnableDisableCancelOrTest() {
        UUID automation = newAutomation();
        UUID run = newRun();
        long runs = count("runs");

        for (String path : List.of(
                "/api/automations/" + automation + "/trigger",
                "/api/automations/" + automation + "/disable",
                "/api/runs/" + run + "/cancel",
                "/api/tasks/" + taskOf(run) + "/cancel",
                "/api/repo-connections/" + UUID.randomUUID() + "/test")) {
            RawHttp.send(port, "POST", path, crossSiteFetch(), "").expectProblem(403, "origin_not_allowed");
        }

        assertThat(count("runs")).isEqualTo(runs);
        assertThat(get("/api/automations/" + automation).body().get("enabled").asBoolean())
                .isTrue();
        assertThat(get("/api/runs/" + run).body().get("status").asString()).isEqualTo("queued");
    }

    @Test
    void aCrossSiteFormPostIsRefusedWhateverItsEncoding() {
        UUID automation = newAutomation();
        long runs = count("runs");
        Map<String, String> bodies = Map.of(
                "application/x-www-form-urlencoded", "a=b",
                "multipart/form-data; boundary=x",
                        "--x\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nb\r\n--x--\r\n",
                "text/plain", "a=b\r\n");
        bodies.forEach((type, body) -> RawHttp.send(
                        port, "POST", "/api/automations/" + automation + "/trigger", crossSiteForm(type), body)
                .expectProblem(403, "origin_not_allowed"));
        assertThat(count("runs")).isEqualTo(runs);
    }

    /**
     * Browsers send {@code Origin} on every form post today, but an old browser, a privacy extension or a proxy may
     * strip it: a body-less route must then still refuse what only a form can send.
     */
    @Test
    void aFormPostWithoutOriginIsRefusedByItsContentType() {
        UUID automation = newAutomation();
        UUID run = newRun();
        long runs = count("runs");

        for (String type :
                List.of("application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "text/plain")) {
            for (String path : List.of(
                    "/api/automations/" + automation + "/trigger",
                    "/api/automations/" + automation + "/enable",
                    "/api/automations/" + automation + "/disable",
                    "/api/runs/" + run + "/cancel",
                    "/api/tasks/" + taskOf(run) + "/cancel",
                    "/api/repo-connections/" + UUID.randomUUID() + "/test")) {
                RawHttp.send(port, "POST", path, RawHttp.headers(port, "Content-Type", type), "")
                        .expectProblem(415, "unsupported_media_type");
                RawHttp.send(port, "POST", path, RawHttp.headers(port, "Content-Type", type), "a=b")
                        .expectProblem(415, "unsupported_media_type");
            }
        }

        assertThat(count("runs")).isEqualTo(runs);
        assertThat(get("/api/automations/" + automation).body().get("enabled").asBoolean())
                .isTrue();
        assertThat(get("/api/runs/" + run).body().get("status").asString()).isEqualTo("queued");
    }

    @Test
    void aBodyWithoutAContentTypeIsRefused() {
        long before = count("workspaces");
        String body = JSON.writeValueAsString(Map.of("slug", unique("untyped"), "name", "Untyped"));
        RawHttp.send(port, "POST", "/api/workspaces", RawHttp.headers(port), body)
                .expectProblem(415, "unsupported_media_type");
        RawHttp.send(port, "POST", "/api/automations/" + newAutomation() + "/trigger", RawHttp.headers(port), "a=b")
                .expectProblem(415, "unsupported_media_type");
        assertThat(count("workspaces")).isEqualTo(before + 1); // the one newAutomation() made
    }

    @Test
    void crossSiteFetchMetadataAloneIsEnoughToRefuse() {
        UUID automation = newAutomation();
        for (String site : List.of("cross-site", "same-site")) {
            RawHttp.send(
                            port,
                            "POST",
                            "/api/automations/" + automation + "/disable",
                            RawHttp.headers(port, "Sec-Fetch-Site", site, "Sec-Fetch-Mode", "no-cors"),
                            "")
                    .expectProblem(403, "origin_not_allowed");
        }
        assertThat(get("/api/automations/" + automation).body().get("enabled").asBoolean())
                .isTrue();
    }

    @Test
    void opaqueAndOtherLocalOriginsAreRefused() {
        UUID automation = newAutomation();
        for (String origin : List.of(
                "null",
                "http://127.0.0.1:1",
                "http://localhost:" + port + ".evil.example",
                "https://127.0.0.1:" + port + "/",
                "not a url",
                "http://evil.example:" + port)) {
            RawHttp.send(
                            port,
                            "POST",
                            "/api/automations/" + automation + "/disable",
                            RawHttp.headers(port, "Origin", origin, "Sec-Fetch-Site", "same-site"),
                            "")
                    .expectProblem(403, "origin_not_allowed");
        }
        assertThat(get("/api/automations/" + automation).body().get("enabled").asBoolean())
                .isTrue();
    }

    @Test
    void aCrossSiteDeleteOrPatchIsRefused() {
        UUID workspace = newWorkspace();
        RawHttp.send(port, "DELETE", "/api/workspaces/" + workspace, crossSiteFetch("Sec-Fetch-Mode", "cors"), null)
                .expectProblem(403, "origin_not_allowed");
        RawHttp.send(
                        port,
                        "PATCH",
                        "/api/workspaces/" + workspace,
                        crossSiteFetch("Sec-Fetch-Mode", "cors", "Content-Type", "application/json"),
                        "{\"name\":\"Evil\"}")
                .expectProblem(403, "origin_not_allowed");
        get("/api/workspaces/" + workspace).expect(200);
    }

    @Test
    void theWebSocketOpensForItsOwnOriginOnly() {
        RawHttp.webSocketHandshake(port, "/ws", "Origin", self(), "Sec-Fetch-Site", "same-origin")
                .expect(101);
        RawHttp.webSocketHandshake(port, "/ws", "Origin", "http://localhost:" + port)
                .expectProblem(403, "origin_not_allowed");
        RawHttp.webSocketHandshake(port, "/ws", "Origin", EVIL, "Sec-Fetch-Site", "cross-site")
                .expectProblem(403, "origin_not_allowed");
        RawHttp.webSocketHandshake(port, "/ws", "Origin", "null").expectProblem(403, "origin_not_allowed");
        // the SDK and other programs send no Origin
        RawHttp.webSocketHandshake(port, "/ws").expect(101);
    }

    private UUID newAutomation() {
        Map<String, Object> request = new HashMap<>();
        request.put("workspaceId", newWorkspace());
        request.put("name", unique("csrf"));
        request.put("cronExpression", "0 3 * * *");
        request.put("taskTemplateTitle", "Nightly");
        request.put("config", Map.of("commands", List.of(Map.of("command", "echo nightly"))));
        return post("/api/automations", request).expect(201).id();
    }

    private UUID newRun() {
        UUID task = post(
                        "/api/tasks",
                        Map.of(
                                "workspaceId",
                                newWorkspace(),
                                "title",
                                "CSRF",
                                "config",
                                Map.of("commands", List.of(Map.of("command", "echo hi")))))
                .expect(201)
                .id();
        return post("/api/runs", Map.of("taskId", task)).expect(201).id();
    }

    private UUID taskOf(UUID run) {
        return UUID.fromString(get("/api/runs/" + run).body().get("taskId").asString());
    }

    private static Map<String, String> with(Map<String, String> headers, String... extra) {
        for (int i = 0; i < extra.length; i += 2) {
            headers.put(extra[i], extra[i + 1]);
        }
        return headers;
    }

    /**
     * A UI behind a proxy that rewrites {@code Host}, or the Vite dev server: its origin is not the request's own,
     * so it must be listed in {@code API_ALLOWED_ORIGINS}.
     */
    @Nested
    @TestPropertySource(properties = {FrontDoorTestProperties.ALLOWED_HOSTS, FrontDoorTestProperties.ALLOWED_ORIGINS})
    class WithAllowedOrigins extends ApiTestBase {

        @Test
        void aListedOriginMayWriteAndOpenTheWebSocket() {
            for (String origin : List.of("http://localhost:5173", "https://agents.example.com")) {
                String body = JSON.writeValueAsString(Map.of("slug", unique("listed"), "name", "Listed origin"));
                RawHttp.send(
                                port,
                                "POST",
                                "/api/workspaces",
                                RawHttp.headers(
                                        port,
                                        "Origin",
                                        origin,
                                        "Sec-Fetch-Site",
                                        "same-origin",
                                        "Content-Type",
                                        "application/json"),
                                body)
                        .expect(201);
                RawHttp.webSocketHandshake(port, "/ws", "Origin", origin).expect(101);
            }
        }

        @Test
        void aSameOriginRequestUnderAnAllowedHostNeedsNoListing() {
            String body = JSON.writeValueAsString(Map.of("slug", unique("named"), "name", "Named"));
            RawHttp.send(
                            port,
                            "POST",
                            "/api/workspaces",
                            RawHttp.headers(
                                    port,
                                    "Host",
                                    "ci.internal:8443",
                                    "Origin",
                                    "https://ci.internal:8443",
                                    "Content-Type",
                                    "application/json"),
                            body)
                    .expect(201);
        }

        @Test
        void otherOriginsAreStillRefused() {
            for (String origin : List.of("http://localhost:5174", "http://agents.example.com", EVIL)) {
                RawHttp.send(
                                port,
                                "POST",
                                "/api/workspaces",
                                RawHttp.headers(port, "Origin", origin, "Content-Type", "application/json"),
                                "{}")
                        .expectProblem(403, "origin_not_allowed");
                RawHttp.webSocketHandshake(port, "/ws", "Origin", origin).expectProblem(403, "origin_not_allowed");
            }
        }
    }
}
