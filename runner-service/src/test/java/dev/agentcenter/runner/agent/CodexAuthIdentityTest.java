package dev.agentcenter.runner.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** Which Codex auth.json may replace the stored one: only a refresh of the same account. */
class CodexAuthIdentityTest {

    private static final String ACCOUNT = "3f1c9a52-0d7e-4c1b-9f55-6a0e1d2c3b4a";
    private static final String OTHER_ACCOUNT = "7b2d4e61-8a9c-4f0e-b1d2-c3e4f5a6b7c8";

    @Test
    void aRefreshOfTheSameAccountIsAccepted() {
        String stored = auth(
                null,
                ACCOUNT,
                idToken("user-1", "dev@example.test", ACCOUNT),
                access(ACCOUNT, "dev@example.test"),
                "rt-1");
        String refreshed = auth(
                null,
                ACCOUNT,
                idToken("user-1", "dev@example.test", ACCOUNT),
                access(ACCOUNT, "dev@example.test"),
                "rt-2");

        assertThat(CodexAuthIdentity.mismatch(stored, refreshed)).isEmpty();
    }

    @Test
    void anotherAccountIsRefusedWhicheverFieldSaysSo() {
        String stored = auth(
                null,
                ACCOUNT,
                idToken("user-1", "dev@example.test", ACCOUNT),
                access(ACCOUNT, "dev@example.test"),
                "rt-1");

        // the whole sign-in of another account
        assertThat(CodexAuthIdentity.mismatch(
                        stored,
                        auth(
                                null,
                                OTHER_ACCOUNT,
                                idToken("user-2", "evil@example.test", OTHER_ACCOUNT),
                                access(OTHER_ACCOUNT, "evil@example.test"),
                                "rt-evil")))
                .hasValueSatisfying(reason -> assertThat(reason).contains("another account"));
        // only the account id left as it was, tokens of another account
        assertThat(CodexAuthIdentity.mismatch(
                        stored,
                        auth(
                                null,
                                ACCOUNT,
                                idToken("user-2", "evil@example.test", OTHER_ACCOUNT),
                                access(OTHER_ACCOUNT, "evil@example.test"),
                                "rt-evil")))
                .hasValueSatisfying(reason -> assertThat(reason).contains("contradicts itself"));
        // another user of the same workspace account
        assertThat(CodexAuthIdentity.mismatch(
                        stored,
                        auth(
                                null,
                                ACCOUNT,
                                idToken("user-2", "dev@example.test", ACCOUNT),
                                access(ACCOUNT, "dev@example.test"),
                                "rt-2")))
                .hasValueSatisfying(reason -> assertThat(reason).contains("subject differs"));
        // claims dropped: nothing to compare with
        assertThat(CodexAuthIdentity.mismatch(stored, auth(null, null, "opaque", "opaque", "rt-2")))
                .hasValueSatisfying(reason -> assertThat(reason).contains("names no"));
        // an API key added next to the same tokens
        assertThat(CodexAuthIdentity.mismatch(
                        stored,
                        auth(
                                "sk-proj-attacker0123456789abcdef",
                                ACCOUNT,
                                idToken("user-1", "dev@example.test", ACCOUNT),
                                access(ACCOUNT, "dev@example.test"),
                                "rt-2")))
                .hasValueSatisfying(reason -> assertThat(reason).contains("OPENAI_API_KEY"));
        assertThat(CodexAuthIdentity.mismatch(stored, "not json"))
                .hasValueSatisfying(reason -> assertThat(reason).contains("not JSON"));
    }

    @Test
    void aStoredSignInThatNamesNoAccountIsNeverReplaced() {
        String stored = "{\"tokens\": {\"access_token\": \"opaque-1\", \"refresh_token\": \"rt-1\"}}";

        assertThat(CodexAuthIdentity.mismatch(
                        stored, "{\"tokens\": {\"access_token\": \"opaque-2\", \"refresh_token\": \"rt-2\"}}"))
                .hasValueSatisfying(reason -> assertThat(reason).contains("names no account"));
    }

    @Test
    void theEmailCountsOnlyWhenNothingElseNamesTheAccount() {
        String stored = auth(null, null, idToken(null, "dev@example.test", null), "opaque", "rt-1");

        assertThat(CodexAuthIdentity.mismatch(
                        stored, auth(null, null, idToken(null, "dev@example.test", null), "opaque", "rt-2")))
                .isEmpty();
        assertThat(CodexAuthIdentity.mismatch(
                        stored, auth(null, null, idToken(null, "evil@example.test", null), "opaque", "rt-2")))
                .hasValueSatisfying(reason -> assertThat(reason).contains("email differs"));
    }

    @Test
    void onlyWellFormedJwtsHaveClaims() {
        assertThat(CodexAuthIdentity.claims(idToken("user-1", null, ACCOUNT))
                        .get("sub")
                        .asString())
                .isEqualTo("user-1");
        assertThat(CodexAuthIdentity.claims("a.b")).isNull();
        assertThat(CodexAuthIdentity.claims("a.!!!.c")).isNull();
        assertThat(CodexAuthIdentity.claims("a." + base64("[1]") + ".c")).isNull();
        assertThat(CodexAuthIdentity.claims(null)).isNull();
    }

    private static String auth(String apiKey, String accountId, String idToken, String accessToken, String refresh) {
        return "{\"OPENAI_API_KEY\": " + (apiKey == null ? "null" : "\"" + apiKey + "\"") + ", \"tokens\": {"
                + "\"id_token\": \"" + idToken + "\", \"access_token\": \"" + accessToken + "\", \"refresh_token\": \""
                + refresh + "\"" + (accountId == null ? "" : ", \"account_id\": \"" + accountId + "\"")
                + "}, \"last_refresh\": \"2025-06-01T00:00:00Z\"}";
    }

    /** An id token shaped like OpenAI's (unsigned here: the runner cannot check signatures). */
    private static String idToken(String subject, String email, String account) {
        StringBuilder claims = new StringBuilder("{\"iss\":\"https://auth.openai.com\",\"aud\":[\"app_x\"]");
        if (subject != null) {
            claims.append(",\"sub\":\"").append(subject).append('"');
        }
        if (email != null) {
            claims.append(",\"email\":\"").append(email).append('"');
        }
        if (account != null) {
            claims.append(",\"https://api.openai.com/auth\":{\"chatgpt_account_id\":\"")
                    .append(account)
                    .append("\",\"chatgpt_plan_type\":\"plus\"}");
        }
        return jwt(claims.append('}').toString());
    }

    private static String access(String account, String email) {
        return jwt("{\"https://api.openai.com/auth\":{\"chatgpt_account_id\":\"" + account
                + "\"},\"https://api.openai.com/profile\":{\"email\":\"" + email + "\"}}");
    }

    private static String jwt(String claims) {
        return base64("{\"alg\":\"RS256\",\"typ\":\"JWT\"}") + "." + base64(claims) + ".c2lnbmF0dXJl";
    }

    private static String base64(String json) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }
}
