package dev.agentcenter.api.credential;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * How secrets (repository tokens, provider credentials) are kept at rest.
 *
 * @param encryptionKey {@code CREDENTIAL_ENCRYPTION_KEY}: 32 bytes in base64 (used as the AES-256 key), or any
 *     passphrase (stretched with Argon2id and the database's salt, once per process). Without it, the API refuses to
 *     store secrets rather than keeping them in plain text. Changing it makes the secrets stored before unreadable.
 */
@ConfigurationProperties("agent-center.credentials")
public record CredentialProperties(String encryptionKey) {

    /** True when a key is configured. */
    public boolean hasKey() {
        return encryptionKey != null && !encryptionKey.isBlank();
    }

    /** Never prints the key. */
    @Override
    public String toString() {
        return "CredentialProperties[encryptionKey=" + (hasKey() ? "set" : "unset") + "]";
    }
}
