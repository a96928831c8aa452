package dev.agentcenter.api.credential;

import dev.agentcenter.api.web.ApiException;
import dev.agentcenter.model.CredentialStatus;
import dev.agentcenter.model.Page;
import dev.agentcenter.model.StoreCredentialRequest;
import dev.agentcenter.support.SecretBinding;
import jakarta.validation.Valid;
import java.net.URI;
import java.util.Arrays;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * Coding-agent credentials: write-only secrets, one per provider, sealed with {@code CREDENTIAL_ENCRYPTION_KEY}.
 * Answers carry only a {@link CredentialStatus}; no answer, error message or log line contains a stored value (errors
 * about {@code codexAuthJson} say what is wrong with its shape, never quote it).
 */
@RestController
@RequestMapping("/api/credentials")
class CredentialController {

    private static final int HINT_LENGTH = 4;
    private static final int MIN_KEY_LENGTH = 8;

    private final CredentialStore credentials;
    private final Secrets secrets;
    private final ObjectMapper json;

    CredentialController(CredentialStore credentials, Secrets secrets, ObjectMapper json) {
        this.credentials = credentials;
        this.secrets = secrets;
        this.json = json;
    }

    /** Both providers' statuses, configured or not (always two items, never a next page). */
    @GetMapping
    Page<CredentialStatus> list() {
        return new Page<>(
                Arrays.stream(CredentialProvider.values())
                        .map(credentials::status)
                        .toList(),
                null);
    }

    @GetMapping("/{provider}")
    CredentialStatus get(@PathVariable String provider) {
        return credentials.status(CredentialProvider.of(provider));
    }

    /**
     * Stores or replaces the provider's credential: 201 when there was none, 200 when it replaced one. Without an
     * encryption key: 422 {@code encryption_key_missing}, and nothing is written.
     */
    @PostMapping("/{provider}")
    ResponseEntity<CredentialStatus> store(
            @PathVariable String provider, @Valid @RequestBody StoreCredentialRequest request) {
        CredentialProvider target = CredentialProvider.of(provider);
        CredentialKind kind;
        String value;
        String hint;
        if (request.apiKey() != null && request.codexAuthJson() != null) {
            throw ApiException.invalidField("body", "give either apiKey or codexAuthJson, not both");
        } else if (request.apiKey() != null) {
            kind = CredentialKind.API_KEY;
            value = request.apiKey().strip();
            if (value.length() < MIN_KEY_LENGTH) {
                throw ApiException.invalidField(
                        "apiKey", "must be at least " + MIN_KEY_LENGTH + " characters without surrounding whitespace");
            }
            hint = hint(value);
        } else if (request.codexAuthJson() != null) {
            if (target != CredentialProvider.OPENAI) {
                throw ApiException.invalidField(
                        "codexAuthJson", "is for openai only (Codex); give " + target.id() + " an apiKey");
            }
            kind = CredentialKind.CODEX_AUTH_JSON;
            value = request.codexAuthJson();
            hint = checkCodexAuthJson(value);
        } else {
            throw ApiException.invalidField("body", "needs apiKey or codexAuthJson");
        }
        // Sealing fails with 422 encryption_key_missing before anything is written.
        byte[] sealed = secrets.seal(value, SecretBinding.credential(target.id(), kind.id()));
        CredentialStore.Stored stored = credentials.upsert(target, kind, sealed, hint);
        if (stored.created()) {
            return ResponseEntity.created(URI.create("/api/credentials/" + target.id()))
                    .body(stored.status());
        }
        return ResponseEntity.ok(stored.status());
    }

    /** Removes the provider's credential: 204 whether or not one was stored. */
    @DeleteMapping("/{provider}")
    ResponseEntity<Void> delete(@PathVariable String provider) {
        credentials.delete(CredentialProvider.of(provider));
        return ResponseEntity.noContent().build();
    }

    /**
     * Checks that the text has the shape of Codex's {@code auth.json}: a JSON object with a {@code tokens} object
     * (ChatGPT sign-in) or a non-blank {@code OPENAI_API_KEY} string (a real file has both keys, one of them null).
     * Parser messages are not passed on: they may quote the secret.
     *
     * @return the hint: the last characters of {@code OPENAI_API_KEY} when it has one, else {@code null}
     */
    private String checkCodexAuthJson(String text) {
        JsonNode root;
        try {
            root = json.readTree(text);
        } catch (JacksonException e) {
            throw ApiException.invalidField("codexAuthJson", "is not valid JSON (give the contents of auth.json)");
        }
        if (root == null || !root.isObject()) {
            throw ApiException.invalidField("codexAuthJson", "must be a JSON object (the contents of auth.json)");
        }
        JsonNode tokens = root.get("tokens");
        JsonNode apiKey = root.get("OPENAI_API_KEY");
        boolean hasTokens = tokens != null && tokens.isObject() && !tokens.isEmpty();
        boolean hasApiKey =
                apiKey != null && apiKey.isString() && !apiKey.asString().isBlank();
        if (!hasTokens && !hasApiKey) {
            throw ApiException.invalidField(
                    "codexAuthJson",
                    "must have a tokens object or an OPENAI_API_KEY string, as Codex writes after `codex login`");
        }
        return hasApiKey ? hint(apiKey.asString().strip()) : null;
    }

    /** The last four characters, and only for a value long enough that they give little of it away. */
    private static String hint(String value) {
        return value.length() < MIN_KEY_LENGTH ? null : value.substring(value.length() - HINT_LENGTH);
    }
}
