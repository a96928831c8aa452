package dev.agentcenter.api.credential;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentcenter.api.ApiTestBase;
import java.sql.Types;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A server without {@code CREDENTIAL_ENCRYPTION_KEY} refuses to store credentials and writes nothing. */
class CredentialWithoutKeyApiTest extends ApiTestBase {

    private static final byte[] EARLIER = {1, 2, 3, 4};

    @BeforeEach
    void anEarlierCredential() {
        db.sql("DELETE FROM credentials").update();
        db.sql("INSERT INTO credentials (provider, kind, ciphertext, hint) VALUES ('anthropic', 'api_key', :c, 'old1')")
                .param("c", EARLIER, Types.BINARY)
                .update();
    }

    @AfterEach
    void cleanUp() {
        db.sql("DELETE FROM credentials").update();
    }

    @Test
    void storingIs422AndNothingIsWritten() {
        String key = "sk-ant-withoutKeySecret1234";
        Answer refused =
                post("/api/credentials/openai", Map.of("apiKey", key)).expectProblem(422, "encryption_key_missing");
        assertThat(refused.body().get("detail").asString()).contains("CREDENTIAL_ENCRYPTION_KEY");
        assertThat(refused.raw().body()).doesNotContain(key);
        post("/api/credentials/anthropic", Map.of("apiKey", key)).expectProblem(422, "encryption_key_missing");
        post("/api/credentials/openai", Map.of("codexAuthJson", "{\"tokens\": {\"access_token\": \"abc\"}}"))
                .expectProblem(422, "encryption_key_missing");

        assertThat(count("credentials")).isEqualTo(1);
        assertThat(db.sql("SELECT ciphertext FROM credentials WHERE provider = 'anthropic'")
                        .query((rs, row) -> rs.getBytes(1))
                        .single())
                .isEqualTo(EARLIER);
        assertThat(get("/api/credentials/openai")
                        .expect(200)
                        .body()
                        .get("configured")
                        .asBoolean())
                .isFalse();
        assertThat(get("/api/credentials/anthropic")
                        .expect(200)
                        .body()
                        .get("hint")
                        .asString())
                .isEqualTo("old1");
    }

    @Test
    void statusAndDeleteNeedNoKey() {
        get("/api/credentials").expect(200);
        delete("/api/credentials/anthropic").expect(204);
        assertThat(count("credentials")).isZero();
    }
}
