package dev.agentcenter.api.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentcenter.api.ApiTestBase;
import java.util.Map;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;

class AuthApiTest {

    @Nested
    @TestPropertySource(properties = "agent-center.api.token=s3cret-token")
    class WhenATokenIsConfigured extends ApiTestBase {

        @Test
        void apiNeedsTheTokenAndHealthStaysOpen() {
            get("/api/workspaces").expectProblem(401, "unauthorized");
            assertThat(get("/api/workspaces").header("WWW-Authenticate")).startsWith("Bearer");
            send("GET", "/api/workspaces", null, "wrong").expectProblem(401, "invalid_token");
            send("GET", "/api/workspaces", null, "s3cret-token").expect(200);
            send("POST", "/api/workspaces", Map.of("slug", unique("auth"), "name", "A"), "s3cret-token")
                    .expect(201);
            get("/ws").expectProblem(401, "unauthorized");
            // the realtime counters, the API's only metrics route (there is no actuator), follow the same rule
            get("/api/realtime/stats").expectProblem(401, "unauthorized");
            send("GET", "/api/realtime/stats", null, "s3cret-token").expect(200);
            get("/health").expect(200);
        }
    }

    @Nested
    class WhenNoTokenIsConfigured extends ApiTestBase {

        @Test
        void apiIsOpen() {
            get("/api/workspaces").expect(200);
            assertThat(get("/health").expect(200).body().get("status").asString())
                    .isEqualTo("ok");
        }
    }
}
