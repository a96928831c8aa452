package dev.agentcenter.api.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentcenter.api.ApiTestBase;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;

/**
 * Finding 1 of the security issue: with a token configured, the token filter looked at the raw request URI while
 * routing decoded {@code %xx}, dropped {@code ;params} and resolved {@code //}, {@code .} and {@code ..}, so
 * {@code GET /api;x/credentials} answered 200 without a token. Each shape an attacker can use to make the two
 * disagree gets its own test, on {@code /api}, {@code /ws} and the SSE stream. Paths are sent byte for byte over a
 * socket: java.net.http would normalize most of them away.
 */
@TestPropertySource(properties = "agent-center.api.token=s3cret-token")
class TokenBypassTest extends ApiTestBase {

    private static final String TOKEN = "s3cret-token";

    @Test
    void aSemicolonPathParameterOnAReadIsRefused() {
        RawHttp.get(port, "/api;x/credentials").expectProblem(400, "ambiguous_path");
        RawHttp.get(port, "/api/credentials;x").expectProblem(400, "ambiguous_path");
        RawHttp.get(port, "/api;/credentials").expectProblem(400, "ambiguous_path");
    }

    @Test
    void aSemicolonPathParameterOnAWriteIsRefusedAndCreatesNothing() {
        long before = count("workspaces");
        String body = JSON.writeValueAsString(Map.of("slug", unique("bypass"), "name", "Bypass"));

        RawHttp.send(port, "POST", "/api;x/workspaces", RawHttp.headers(port, "Content-Type", "application/json"), body)
                .expectProblem(400, "ambiguous_path");

        assertThat(count("workspaces")).isEqualTo(before);
    }

    @Test
    void anEncodedSemicolonIsRefused() {
        RawHttp.get(port, "/api%3Bx/credentials").expectProblem(400, "ambiguous_path");
        RawHttp.get(port, "/api%3bx/credentials").expectProblem(400, "ambiguous_path");
    }

    @Test
    void aPercentEncodedLetterIsDecodedBeforeTheTokenIsChecked() {
        RawHttp.get(port, "/%61pi/credentials").expectProblem(401, "unauthorized");
        RawHttp.get(port, "/%61%70%69/credentials").expectProblem(401, "unauthorized");
        // The same decoded path with the token is the ordinary route: decoding is consistent, not a refusal.
        RawHttp.get(port, "/%61pi/credentials", "Authorization", "Bearer " + TOKEN)
                .expect(200);
    }

    @Test
    void anEncodedSlashIsRefused() {
        RawHttp.get(port, "/api%2Fcredentials").expectProblem(400, "ambiguous_path");
        RawHttp.get(port, "/api%2fcredentials").expectProblem(400, "ambiguous_path");
        RawHttp.get(port, "/x%2F..%2Fapi/credentials").expectProblem(400, "ambiguous_path");
    }

    @Test
    void anEncodedDotIsRefused() {
        RawHttp.get(port, "/%2E/api/credentials").expectProblem(400, "ambiguous_path");
        RawHttp.get(port, "/x/%2e%2e/api/credentials").expectProblem(400, "ambiguous_path");
        RawHttp.get(port, "/x/.%2E/api/credentials").expectProblem(400, "ambiguous_path");
    }

    @Test
    void anEncodedPercentIsRefused() {
        RawHttp.get(port, "/%2561pi/credentials").expectProblem(400, "ambiguous_path");
    }

    @Test
    void aBackslashIsRefused() {
        RawHttp.get(port, "/api\\credentials").expectProblem(400, "ambiguous_path");
        RawHttp.get(port, "/x\\..\\api/credentials").expectProblem(400, "ambiguous_path");
        RawHttp.get(port, "/api%5Ccredentials").expectProblem(400, "ambiguous_path");
        RawHttp.get(port, "/api%5ccredentials").expectProblem(400, "ambiguous_path");
    }

    @Test
    void aDoubleSlashIsRefused() {
        RawHttp.get(port, "//api/credentials").expectProblem(400, "ambiguous_path");
        RawHttp.get(port, "/api//credentials").expectProblem(400, "ambiguous_path");
    }

    @Test
    void aDotSegmentIsRefused() {
        RawHttp.get(port, "/./api/credentials").expectProblem(400, "ambiguous_path");
        RawHttp.get(port, "/api/./credentials").expectProblem(400, "ambiguous_path");
        RawHttp.get(port, "/api/credentials/.").expectProblem(400, "ambiguous_path");
    }

    @Test
    void aDotDotSegmentIsRefused() {
        RawHttp.get(port, "/x/../api/credentials").expectProblem(400, "ambiguous_path");
        RawHttp.get(port, "/api/x/../credentials").expectProblem(400, "ambiguous_path");
        RawHttp.get(port, "/api/credentials/x/..").expectProblem(400, "ambiguous_path");
    }

    @Test
    void anEncodedControlCharacterIsRefused() {
        RawHttp.get(port, "/api/credentials%0d%0a").expectProblem(400, "ambiguous_path");
        RawHttp.get(port, "/api/credentials%09").expectProblem(400, "ambiguous_path");
    }

    /** Tomcat refuses these before any filter runs; they still get problem+json, never Tomcat's HTML page. */
    @Test
    void aMalformedEncodingIsRefusedAsAProblemToo() {
        for (String path : List.of(
                "/api/credentials%00",
                "/api/%zzcredentials", "/api/credentials%", "/api/%C0%AEcredentials", "/api/%FFcredentials")) {
            RawHttp.get(port, path).expectProblem(400, "malformed_request");
        }
    }

    @Test
    void theWebSocketIsCoveredByTheSameRules() {
        RawHttp.webSocketHandshake(port, "/ws;x").expectProblem(400, "ambiguous_path");
        RawHttp.webSocketHandshake(port, "//ws").expectProblem(400, "ambiguous_path");
        RawHttp.webSocketHandshake(port, "/x/../ws").expectProblem(400, "ambiguous_path");
        RawHttp.webSocketHandshake(port, "/%77s").expectProblem(401, "unauthorized");
        RawHttp.webSocketHandshake(port, "/ws").expectProblem(401, "unauthorized");
        RawHttp.webSocketHandshake(port, "/ws?token=" + TOKEN).expect(101);
    }

    @Test
    void theEventStreamIsCoveredByTheSameRules() {
        UUID run = newRunWithToken();
        String stream = "/runs/" + run + "/events/stream";

        RawHttp.get(port, "/api;x" + stream).expectProblem(400, "ambiguous_path");
        RawHttp.get(port, "/api" + stream + ";x").expectProblem(400, "ambiguous_path");
        RawHttp.get(port, "//api" + stream).expectProblem(400, "ambiguous_path");
        RawHttp.get(port, "/%61pi" + stream).expectProblem(401, "unauthorized");
        // ?token= is for streams only, and only once the path is known to be one.
        RawHttp.get(port, "/%61pi/credentials?token=" + TOKEN).expectProblem(401, "unauthorized");
    }

    @Test
    void ordinaryPathsAndQueriesStillWork() {
        RawHttp.get(port, "/api/credentials", "Authorization", "Bearer " + TOKEN)
                .expect(200);
        // the rules are about the path: a query may hold ';', '%2F' or '..'
        RawHttp.get(port, "/api/workspaces?limit=5&note=a;b%2F..%25", "Authorization", "Bearer " + TOKEN)
                .expect(200);
        RawHttp.get(port, "/health").expect(200);
        RawHttp.get(port, "/").expect(200);
        RawHttp.get(port, "/tasks/" + UUID.randomUUID()).expect(200);
    }

    private UUID newRunWithToken() {
        UUID workspace = send("POST", "/api/workspaces", Map.of("slug", unique("ws"), "name", "Bypass"), TOKEN)
                .expect(201)
                .id();
        UUID task = send(
                        "POST",
                        "/api/tasks",
                        Map.of(
                                "workspaceId",
                                workspace,
                                "title",
                                "Bypass",
                                "config",
                                Map.of("commands", List.of(Map.of("command", "echo hi")))),
                        TOKEN)
                .expect(201)
                .id();
        return send("POST", "/api/runs", Map.of("taskId", task), TOKEN)
                .expect(201)
                .id();
    }
}
