package dev.agentcenter.api.realtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;

@TestPropertySource(properties = "agent-center.api.token=s3cret-token")
class RealtimeAuthTest extends RealtimeTestSupport {

    private static final String TOKEN = "s3cret-token";

    @Test
    void theWebSocketNeedsTheTokenInTheHeaderOrTheQuery() {
        assertThatThrownBy(() -> WS_HTTP.newWebSocketBuilder()
                        .buildAsync(URI.create("ws://127.0.0.1:" + port + "/ws"), new WsClient())
                        .join())
                .isInstanceOf(CompletionException.class)
                .cause()
                .isInstanceOfSatisfying(
                        WebSocketHandshakeException.class,
                        e -> assertThat(e.getResponse().statusCode()).isEqualTo(401));
        assertThatThrownBy(() -> connect("/ws?token=wrong", null))
                .hasCauseInstanceOf(WebSocketHandshakeException.class);

        WsClient byHeader = connect("/ws", TOKEN);
        byHeader.send(Map.of("type", "ping"));
        assertThat(byHeader.next().get("type").asString()).isEqualTo("pong");

        WsClient byQuery = connect("/ws?token=" + TOKEN, null);
        byQuery.send(Map.of("type", "ping"));
        assertThat(byQuery.next().get("type").asString()).isEqualTo("pong");
    }

    @Test
    void theEventStreamNeedsTheTokenInTheHeaderOrTheQuery() {
        UUID run = runWithToken();
        String url = "http://127.0.0.1:" + port + "/api/runs/" + run + "/events/stream";
        assertThat(send("GET", "/api/runs/" + run + "/events/stream", null).status())
                .isEqualTo(401);

        SseReader byHeader = new SseReader(url, Map.of("Authorization", "Bearer " + TOKEN));
        assertThat(byHeader.response.statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(60)).until(() -> byHeader.ids().size() == 1);

        SseReader byQuery = new SseReader(url + "?token=" + TOKEN, Map.of());
        assertThat(byQuery.response.statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(60)).until(() -> byQuery.ids().size() == 1);
        append(run, 1, "run.completed");
        await().atMost(Duration.ofSeconds(60)).until(() -> byHeader.ended.isDone() && byQuery.ended.isDone());
    }

    private UUID runWithToken() {
        UUID workspace = send("POST", "/api/workspaces", Map.of("slug", unique("ws"), "name", "Auth"), TOKEN)
                .expect(201)
                .id();
        UUID task = send(
                        "POST",
                        "/api/tasks",
                        Map.of(
                                "workspaceId",
                                workspace,
                                "title",
                                "Auth",
                                "config",
                                Map.of("commands", java.util.List.of(Map.of("command", "echo hi")))),
                        TOKEN)
                .expect(201)
                .id();
        return send("POST", "/api/runs", Map.of("taskId", task), TOKEN)
                .expect(201)
                .id();
    }
}
