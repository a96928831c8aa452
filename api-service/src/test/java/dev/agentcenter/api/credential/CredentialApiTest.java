package dev.agentcenter.api.credential;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentcenter.api.ApiTestBase;
import dev.agentcenter.api.web.ApiException;
import dev.agentcenter.support.SecretBinding;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.test.context.TestPropertySource;
import tools.jackson.databind.JsonNode;

/** Provider credentials on a server with an encryption key. */
@TestPropertySource(properties = "agent-center.credentials.encryption-key=test-passphrase-for-credentials")
@ExtendWith(OutputCaptureExtension.class)
class CredentialApiTest extends ApiTestBase {

    @Autowired
    Secrets secrets;

    @BeforeEach
    void noCredentials() {
        db.sql("DELETE FROM credentials").update();
    }

    @Test
    void storeShowReplaceAndDelete() {
        JsonNode none = get("/api/credentials/openai").expect(200).body();
        assertThat(none.get("provider").asString()).isEqualTo("openai");
        assertThat(none.get("configured").asBoolean()).isFalse();
        assertThat(none.get("kind").isNull()).isTrue();
        assertThat(none.get("hint").isNull()).isTrue();
        assertThat(none.get("updatedAt").isNull()).isTrue();

        String first = secret("sk-proj-") + "WXYZ";
        Answer created =
                post("/api/credentials/openai", Map.of("apiKey", first)).expect(201);
        assertThat(created.header("Location")).isEqualTo("/api/credentials/openai");
        JsonNode status = created.body();
        assertThat(status.get("provider").asString()).isEqualTo("openai");
        assertThat(status.get("configured").asBoolean()).isTrue();
        assertThat(status.get("kind").asString()).isEqualTo("api_key");
        assertThat(status.get("hint").asString()).isEqualTo("WXYZ");
        Instant firstUpdate = Instant.parse(status.get("updatedAt").asString());
        assertThat(get("/api/credentials/openai").expect(200).body()).isEqualTo(status);

        String second = secret("sk-proj-") + "abcd";
        JsonNode replaced = post("/api/credentials/openai", Map.of("apiKey", second))
                .expect(200)
                .body();
        assertThat(replaced.get("kind").asString()).isEqualTo("api_key");
        assertThat(replaced.get("hint").asString()).isEqualTo("abcd");
        assertThat(Instant.parse(replaced.get("updatedAt").asString())).isAfterOrEqualTo(firstUpdate);
        assertThat(count("credentials")).isEqualTo(1);
        assertThat(open("openai")).isEqualTo(second);

        JsonNode list = get("/api/credentials").expect(200).body();
        assertThat(list.get("nextCursor").isNull()).isTrue();
        assertThat(list.get("items")).hasSize(2);
        assertThat(list.get("items").get(0)).isEqualTo(replaced);
        assertThat(list.get("items").get(1).get("provider").asString()).isEqualTo("anthropic");
        assertThat(list.get("items").get(1).get("configured").asBoolean()).isFalse();

        delete("/api/credentials/openai").expect(204);
        assertThat(get("/api/credentials/openai").expect(200).body()).isEqualTo(none);
        assertThat(count("credentials")).isZero();
        delete("/api/credentials/openai").expect(204);
        delete("/api/credentials/anthropic").expect(204);
    }

    @Test
    void theValueIsStoredEncryptedUnderItsProviderAndDecryptsBack() {
        String key = secret("sk-ant-api03-");
        JsonNode status = post("/api/credentials/anthropic", Map.of("apiKey", "  " + key + "\n"))
                .expect(201)
                .body();
        assertThat(status.get("hint").asString()).isEqualTo(key.substring(key.length() - 4));

        byte[] stored = ciphertext("anthropic");
        assertThat(new String(stored, StandardCharsets.ISO_8859_1)).doesNotContain(key);
        assertThat(new String(stored, StandardCharsets.ISO_8859_1))
                .doesNotContain(Base64.getEncoder().encodeToString(key.getBytes(StandardCharsets.UTF_8)));
        assertThat(stored[0]).as("the row-bound v2 format").isEqualTo((byte) 2);
        assertThat(secrets.open(stored, SecretBinding.credential("anthropic", "api_key")))
                .isEqualTo(key);
        // Bound to its row: the same ciphertext does not open as another provider's, another kind's or as a
        // repository token.
        for (SecretBinding other : List.of(
                SecretBinding.credential("openai", "api_key"),
                SecretBinding.credential("anthropic", "codex_auth_json"),
                SecretBinding.repositoryToken(UUID.randomUUID(), UUID.randomUUID(), "github", "a", "b"))) {
            assertThatThrownBy(() -> secrets.open(stored, other))
                    .isInstanceOf(ApiException.class)
                    .extracting(e -> ((ApiException) e).code())
                    .isEqualTo("stored_secret_unreadable");
        }
    }

    @Test
    void codexAuthJsonIsStoredAsGivenWithAHintOnlyWhenItHasAnApiKey() {
        String accessToken = secret("eyJhbGciOi");
        String signedIn = """
                {
                  "OPENAI_API_KEY": null,
                  "tokens": {"id_token": "%s", "access_token": "%s", "refresh_token": "%s", "account_id": "acct"},
                  "last_refresh": "2026-11-01T10:00:00Z"
                }
                """.formatted(secret("id-"), accessToken, secret("rt-"));
        JsonNode status = post("/api/credentials/openai", Map.of("codexAuthJson", signedIn))
                .expect(201)
                .body();
        assertThat(status.get("kind").asString()).isEqualTo("codex_auth_json");
        assertThat(status.get("hint").isNull()).isTrue();
        assertThat(new String(ciphertext("openai"), StandardCharsets.ISO_8859_1))
                .doesNotContain(accessToken);
        assertThat(open("openai")).isEqualTo(signedIn);

        String apiKey = secret("sk-") + "Q9z8";
        String withKey = "{\"OPENAI_API_KEY\": \"" + apiKey + "\", \"tokens\": null}";
        JsonNode replaced = post("/api/credentials/openai", Map.of("codexAuthJson", withKey))
                .expect(200)
                .body();
        assertThat(replaced.get("kind").asString()).isEqualTo("codex_auth_json");
        assertThat(replaced.get("hint").asString()).isEqualTo("Q9z8");
        assertThat(open("openai")).isEqualTo(withKey);

        // Back to a plain key: the kind follows what was stored last.
        post("/api/credentials/openai", Map.of("apiKey", secret("sk-")))
                .expect(200)
                .body();
        assertThat(get("/api/credentials/openai").body().get("kind").asString()).isEqualTo("api_key");
    }

    @Test
    void noAnswerAndNoLogLineContainsTheSecret(CapturedOutput output) {
        String openai = secret("sk-proj-");
        String anthropic = secret("sk-ant-");
        String codexToken = secret("at-");
        String unquoted = secret("key");
        List<Answer> answers = new ArrayList<>();
        answers.add(post("/api/credentials/openai", Map.of("apiKey", openai)).expect(201));
        answers.add(
                post("/api/credentials/anthropic", Map.of("apiKey", anthropic)).expect(201));
        answers.add(get("/api/credentials/openai"));
        answers.add(get("/api/credentials/anthropic"));
        answers.add(get("/api/credentials"));
        // Rejected requests do not echo the value either.
        answers.add(post("/api/credentials/anthropic", Map.of("apiKey", openai, "codexAuthJson", "{}"))
                .expectProblem(400, "validation_failed"));
        answers.add(post(
                        "/api/credentials/anthropic",
                        Map.of("codexAuthJson", "{\"tokens\":{\"a\":\"" + codexToken + "\"}}"))
                .expectProblem(400, "validation_failed"));
        answers.add(post("/api/credentials/openai", Map.of("codexAuthJson", "{\"tokens\": " + codexToken + "}"))
                .expectProblem(400, "validation_failed"));
        answers.add(post("/api/credentials/openai", Map.of("apiKey", openai + " " + openai))
                .expectProblem(400, "validation_failed"));
        answers.add(post("/api/credentials/openai", Map.of("apiKey", openai, "token", anthropic))
                .expectProblem(400, "validation_failed"));
        // Not JSON at all: a parser would quote the unquoted token, i.e. the key.
        answers.add(post("/api/credentials/openai", "{\"apiKey\": " + unquoted + "}")
                .expectProblem(400, "malformed_json"));
        answers.add(post("/api/credentials/unknown", Map.of("apiKey", openai))
                .expectProblem(404, "credential_provider_not_found"));

        for (Answer answer : answers) {
            assertThat(answer.raw().body())
                    .as(
                            "%s %s",
                            answer.raw().request().method(),
                            answer.raw().request().uri())
                    .doesNotContain(openai)
                    .doesNotContain(anthropic)
                    .doesNotContain(codexToken)
                    .doesNotContain(unquoted);
        }
        assertThat(output.getAll())
                .doesNotContain(openai)
                .doesNotContain(anthropic)
                .doesNotContain(codexToken)
                .doesNotContain(unquoted);
    }

    @Test
    void badBodiesAre400AndWriteNothing() {
        String kept = secret("sk-kept-");
        post("/api/credentials/openai", Map.of("apiKey", kept)).expect(201);
        byte[] before = ciphertext("openai");
        String key = secret("sk-");

        assertField(
                post("/api/credentials/openai", Map.of("apiKey", key, "codexAuthJson", "{\"OPENAI_API_KEY\":\"x\"}")),
                "body");
        assertField(post("/api/credentials/openai", Map.of()), "body");
        Map<String, Object> nulls = new HashMap<>();
        nulls.put("apiKey", null);
        nulls.put("codexAuthJson", null);
        assertField(post("/api/credentials/openai", nulls), "body");
        assertField(post("/api/credentials/openai", Map.of("apiKey", key, "provider", "openai")), "provider");
        assertField(post("/api/credentials/openai", Map.of("apiKey", "short")), "apiKey");
        assertField(post("/api/credentials/openai", Map.of("apiKey", "   short   ")), "apiKey");
        assertField(post("/api/credentials/openai", Map.of("apiKey", "sk-abc def-ghi")), "apiKey");
        assertField(post("/api/credentials/openai", Map.of("apiKey", "x".repeat(4097))), "apiKey");
        assertField(post("/api/credentials/openai", Map.of("apiKey", List.of(key))), "apiKey");
        for (String authJson : List.of(
                "not json",
                "{\"tokens\": {\"access_token\": \"abc\"",
                "[]",
                "\"tokens\"",
                "{}",
                "{\"OPENAI_API_KEY\": null, \"tokens\": null}",
                "{\"OPENAI_API_KEY\": \"  \"}",
                "{\"OPENAI_API_KEY\": 42}",
                "{\"tokens\": \"abc\"}",
                "{\"tokens\": {}}")) {
            assertField(post("/api/credentials/openai", Map.of("codexAuthJson", authJson)), "codexAuthJson");
        }
        assertField(
                post("/api/credentials/anthropic", Map.of("codexAuthJson", "{\"OPENAI_API_KEY\": \"" + key + "\"}")),
                "codexAuthJson");
        post("/api/credentials/openai", "{\"apiKey\": ").expectProblem(400, "malformed_json");
        post("/api/credentials/openai", null).expectProblem(400, "missing_body");

        assertThat(count("credentials")).isEqualTo(1);
        assertThat(ciphertext("openai")).isEqualTo(before);
        assertThat(open("openai")).isEqualTo(kept);
    }

    @Test
    void anUnknownProviderIs404() {
        String key = secret("sk-");
        for (String provider : List.of("github", "OpenAI", "claude", "codex")) {
            get("/api/credentials/" + provider).expectProblem(404, "credential_provider_not_found");
            post("/api/credentials/" + provider, Map.of("apiKey", key))
                    .expectProblem(404, "credential_provider_not_found");
            delete("/api/credentials/" + provider).expectProblem(404, "credential_provider_not_found");
        }
        assertThat(count("credentials")).isZero();
    }

    private static void assertField(Answer answer, String field) {
        answer.expectProblem(400, "validation_failed");
        assertThat(answer.body().get("errors").get(0).get("field").asString())
                .as("body: %s", answer.raw().body())
                .isEqualTo(field);
    }

    private byte[] ciphertext(String provider) {
        return db.sql("SELECT ciphertext FROM credentials WHERE provider = :provider")
                .param("provider", provider)
                .query((rs, row) -> rs.getBytes(1))
                .single();
    }

    private String open(String provider) {
        String kind = db.sql("SELECT kind FROM credentials WHERE provider = :provider")
                .param("provider", provider)
                .query(String.class)
                .single();
        return secrets.open(ciphertext(provider), SecretBinding.credential(provider, kind));
    }

    private static String secret(String prefix) {
        return prefix + UUID.randomUUID().toString().replace("-", "");
    }
}
