package dev.agentcenter.model;

import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

/**
 * Stores (or replaces) a provider's credential, encrypted at rest. Exactly one of the two fields is given.
 *
 * @param apiKey the provider's API key; surrounding whitespace is ignored, none is allowed inside
 * @param codexAuthJson OpenAI only: the contents of Codex's {@code ~/.codex/auth.json}, a JSON object with a
 *     {@code tokens} object (ChatGPT sign-in) or an {@code OPENAI_API_KEY} string
 */
public record StoreCredentialRequest(
        @Size(min = 8, max = 4096) @Pattern(regexp = "\\s*\\S+\\s*", message = "must not contain whitespace")
        String apiKey,

        @Size(min = 2, max = 65536) String codexAuthJson) {}
