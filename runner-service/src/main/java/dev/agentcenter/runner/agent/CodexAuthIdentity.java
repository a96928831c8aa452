package dev.agentcenter.runner.agent;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * Which account a Codex {@code auth.json} signs in as, so that only a refresh of the stored sign-in is written back
 * (issue 12, finding 7): the agent (or any command of the run) can write its own {@code auth.json} into {@code
 * CODEX_HOME}, and storing that as the global OpenAI credential would make every later run work in its account.
 *
 * <p>Codex's {@code auth.json} ({@code codex-rs/core/src/auth.rs}, {@code token_data.rs}): {@code {"OPENAI_API_KEY":
 * string|null, "tokens": {"id_token", "access_token", "refresh_token", "account_id"}, "last_refresh"}}. The id token
 * is an OpenID Connect JWT whose claims name the user ({@code sub}, {@code email}) and, under {@code
 * https://api.openai.com/auth}, the ChatGPT account ({@code chatgpt_account_id}, {@code chatgpt_user_id}/{@code
 * user_id}); the access token is a JWT with the same {@code https://api.openai.com/auth} claims. A refresh replaces
 * the three tokens and {@code last_refresh} and keeps the account.
 *
 * <p>The facts compared are the account id (from {@code tokens.account_id} and both tokens' claims), the user id and
 * the subject; the email only when the stored file names none of those. Within one file the sources of a fact must
 * agree (an attacker's {@code account_id} next to a real token of another account is refused), the stored file must
 * name its account at all, every fact it names must be in the new file with the same value, and {@code
 * OPENAI_API_KEY} must not change. The JWT signatures are not checked (that needs OpenAI's keys and the network):
 * claims copied from the stored tokens into a forged id token next to another account's refresh token are not
 * detected, but such a token pair does not work as a sign-in for OpenAI either, except for its refresh token, which
 * is opaque.
 */
final class CodexAuthIdentity {

    private static final ObjectMapper JSON = JsonMapper.builder().build();
    private static final String AUTH_CLAIMS = "https://api.openai.com/auth";
    private static final String PROFILE_CLAIMS = "https://api.openai.com/profile";

    private CodexAuthIdentity() {}

    /**
     * Why {@code refreshed} may not replace {@code stored}, or empty when it is a refresh of the same sign-in.
     *
     * @return a reason for people (no identifier values in it)
     */
    static Optional<String> mismatch(String stored, String refreshed) {
        Facts before;
        Facts after;
        try {
            before = facts(stored);
        } catch (IllegalArgumentException e) {
            return Optional.of("the stored sign-in " + e.getMessage());
        }
        try {
            after = facts(refreshed);
        } catch (IllegalArgumentException e) {
            return Optional.of("the new auth.json " + e.getMessage());
        }
        if (!Objects.equals(before.apiKey, after.apiKey)) {
            return Optional.of("its OPENAI_API_KEY differs from the stored one");
        }
        Map<String, String> expected = new LinkedHashMap<>(before.ids);
        if (expected.isEmpty() && before.email != null) {
            expected.put("email", before.email);
        }
        if (expected.isEmpty()) {
            return Optional.of(
                    "cannot be matched: the stored sign-in names no account (no account_id, no id token" + " claims)");
        }
        Map<String, String> actual = new LinkedHashMap<>(after.ids);
        if (after.email != null) {
            actual.put("email", after.email);
        }
        for (Map.Entry<String, String> fact : expected.entrySet()) {
            String value = actual.get(fact.getKey());
            if (value == null) {
                return Optional.of("it names no " + fact.getKey() + ", the stored sign-in does");
            }
            if (!value.equals(fact.getValue())) {
                return Optional.of("it signs in as another account (" + fact.getKey() + " differs)");
            }
        }
        return Optional.empty();
    }

    /** What an auth.json says about its account; {@code ids} keyed {@code account}, {@code user}, {@code subject}. */
    private record Facts(String apiKey, Map<String, String> ids, String email) {}

    private static Facts facts(String authJson) {
        JsonNode root;
        try {
            root = JSON.readTree(authJson);
        } catch (JacksonException e) {
            throw new IllegalArgumentException("is not JSON");
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("is not a JSON object");
        }
        Map<String, String> ids = new LinkedHashMap<>();
        String[] email = new String[1];
        JsonNode tokens = root.get("tokens");
        if (tokens != null && tokens.isObject()) {
            add(ids, "account", AgentEvent.text(tokens, "account_id"));
            JsonNode id = claims(AgentEvent.text(tokens, "id_token"));
            if (id != null) {
                add(ids, "subject", AgentEvent.text(id, "sub"));
                addAuthClaims(ids, id.get(AUTH_CLAIMS));
                email[0] = agree(email[0], AgentEvent.text(id, "email"), "email");
            }
            JsonNode access = claims(AgentEvent.text(tokens, "access_token"));
            if (access != null) {
                addAuthClaims(ids, access.get(AUTH_CLAIMS));
                JsonNode profile = access.get(PROFILE_CLAIMS);
                if (profile != null) {
                    email[0] = agree(email[0], AgentEvent.text(profile, "email"), "email");
                }
            }
        }
        return new Facts(AgentEvent.text(root, "OPENAI_API_KEY"), ids, email[0]);
    }

    private static void addAuthClaims(Map<String, String> ids, JsonNode auth) {
        if (auth == null || !auth.isObject()) {
            return;
        }
        add(ids, "account", AgentEvent.text(auth, "chatgpt_account_id"));
        String user = AgentEvent.text(auth, "chatgpt_user_id");
        add(ids, "user", user != null ? user : AgentEvent.text(auth, "user_id"));
    }

    /** Records a fact; a second source that names another value makes the file inconsistent. */
    private static void add(Map<String, String> ids, String kind, String value) {
        if (value == null || value.isBlank()) {
            return;
        }
        String previous = ids.putIfAbsent(kind, value);
        if (previous != null && !previous.equals(value)) {
            throw new IllegalArgumentException("contradicts itself (two different " + kind + " ids)");
        }
    }

    private static String agree(String current, String value, String kind) {
        if (value == null || value.isBlank()) {
            return current;
        }
        if (current != null && !current.equals(value)) {
            throw new IllegalArgumentException("contradicts itself (two different " + kind + "s)");
        }
        return value;
    }

    /** The claims of a JWT ({@code header.payload.signature}, payload base64url JSON), or null for anything else. */
    static JsonNode claims(String token) {
        if (token == null) {
            return null;
        }
        String[] parts = token.split("\\.", -1);
        if (parts.length != 3) {
            return null;
        }
        try {
            byte[] payload = Base64.getUrlDecoder().decode(parts[1]);
            JsonNode claims = JSON.readTree(new String(payload, StandardCharsets.UTF_8));
            return claims != null && claims.isObject() ? claims : null;
        } catch (IllegalArgumentException | JacksonException e) {
            return null;
        }
    }
}
