package dev.agentcenter.model;

import java.time.Instant;

/**
 * Whether a coding-agent provider has a stored credential. The secret itself is write-only and never shown: only its
 * kind and a hint of at most its last four characters.
 *
 * @param provider {@code openai} or {@code anthropic}
 * @param configured whether a credential is stored
 * @param kind {@code api_key} or {@code codex_auth_json}; {@code null} when none is stored
 * @param hint the last four characters of the API key (for a Codex {@code auth.json}, of its {@code OPENAI_API_KEY}
 *     when it has one); {@code null} when there is nothing to hint at
 * @param updatedAt when the credential was last stored; {@code null} when none is stored
 */
public record CredentialStatus(String provider, boolean configured, String kind, String hint, Instant updatedAt) {

    /** The status of a provider without a stored credential. */
    public static CredentialStatus none(String provider) {
        return new CredentialStatus(provider, false, null, null, null);
    }
}
