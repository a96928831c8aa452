package dev.agentcenter.api.credential;

import dev.agentcenter.api.web.ApiException;
import dev.agentcenter.support.SecretCipher;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;

/**
 * Seals and opens secrets with the configured {@code CREDENTIAL_ENCRYPTION_KEY}. A missing key is a clear 422 for the
 * request that needed it, never a secret stored in plain text.
 */
@Component
public class Secrets {

    /** The associated-data purpose of repository access tokens. */
    public static final String REPO_TOKEN = "repo_token";

    private final SecretCipher cipher;

    Secrets(CredentialProperties properties) {
        this.cipher = properties.hasKey() ? SecretCipher.fromConfiguredKey(properties.encryptionKey()) : null;
    }

    /** Whether secrets can be stored. */
    public boolean available() {
        return cipher != null;
    }

    /**
     * Encrypts a secret for storage.
     *
     * @throws ApiException 422 {@code encryption_key_missing} when no key is configured
     */
    public byte[] seal(String plaintext, String purpose) {
        return requireCipher().encrypt(plaintext, purpose);
    }

    /**
     * Decrypts a stored secret.
     *
     * @throws ApiException 422 {@code encryption_key_missing} when no key is configured, 422
     *     {@code stored_secret_unreadable} when the key is not the one it was stored with
     */
    public String open(byte[] sealed, String purpose) {
        SecretCipher current = requireCipher();
        try {
            return current.decrypt(sealed, purpose);
        } catch (IllegalArgumentException e) {
            throw new ApiException(
                    HttpStatus.UNPROCESSABLE_CONTENT,
                    "stored_secret_unreadable",
                    "A stored secret cannot be decrypted with the configured CREDENTIAL_ENCRYPTION_KEY; it was stored"
                            + " with another key. Restore that key, or store the secret again.");
        }
    }

    private SecretCipher requireCipher() {
        if (cipher == null) {
            throw new ApiException(
                    HttpStatus.UNPROCESSABLE_CONTENT,
                    "encryption_key_missing",
                    "This server cannot store or use secrets: set CREDENTIAL_ENCRYPTION_KEY (32 bytes in base64, or a"
                            + " long passphrase) and restart it. Secrets are never kept in plain text.");
        }
        return cipher;
    }
}
