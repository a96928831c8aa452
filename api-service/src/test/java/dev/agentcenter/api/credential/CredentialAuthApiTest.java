package dev.agentcenter.api.credential;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentcenter.api.ApiTestBase;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;

/** With {@code agent-center.api.token} set, every credential route needs it. */
@TestPropertySource(
        properties = {
            "agent-center.api.token=cred-api-token",
            "agent-center.credentials.encryption-key=test-passphrase-for-credentials"
        })
class CredentialAuthApiTest extends ApiTestBase {

    private static final String TOKEN = "cred-api-token";

    @Test
    void everyRouteNeedsTheApiToken() {
        db.sql("DELETE FROM credentials").update();
        Map<String, String> body = Map.of("apiKey", "sk-authTestSecret1234");

        get("/api/credentials").expectProblem(401, "unauthorized");
        get("/api/credentials/openai").expectProblem(401, "unauthorized");
        post("/api/credentials/openai", body).expectProblem(401, "unauthorized");
        send("POST", "/api/credentials/openai", body, "wrong").expectProblem(401, "invalid_token");
        delete("/api/credentials/openai").expectProblem(401, "unauthorized");
        assertThat(count("credentials")).isZero();

        send("POST", "/api/credentials/openai", body, TOKEN).expect(201);
        delete("/api/credentials/openai").expectProblem(401, "unauthorized");
        assertThat(count("credentials")).isEqualTo(1);
        send("GET", "/api/credentials", null, TOKEN).expect(200);
        send("DELETE", "/api/credentials/openai", null, TOKEN).expect(204);
        assertThat(count("credentials")).isZero();
    }
}
