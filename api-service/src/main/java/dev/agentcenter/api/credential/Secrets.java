package dev.agentcenter.api.credential;

import dev.agentcenter.api.web.ApiException;
import dev.agentcenter.support.SealedSecrets;
import dev.agentcenter.support.SecretBinding;
import dev.agentcenter.support.SecretKeyException;
import dev.agentcenter.support.UnreadableSecretException;
import javax.sql.DataSource;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;

/**
 * Seals and opens secrets with the configured {@code CREDENTIAL_ENCRYPTION_KEY}, each bound to its row (see
 * {@link SecretBinding}). A missing key is a clear 422 for the request that needed it, never a secret stored in plain
 * text; a value that does not open (another key, copied from another row, altered) is a clear 422, never a 500.
 */
@Component
public class Secrets {

    private final SealedSecrets sealed;

    Secrets(CredentialProperties properties, DataSource database) {
        this.sealed = new SealedSecrets(properties.encryptionKey(), database);
    }

    /** Whether secrets can be stored. */
    public boolean available() {
        return sealed.available();
    }

    /**
     * Encrypts a secret for storage in the row and column {@code binding} names.
     *
     * @throws ApiException 422 {@code encryption_key_missing} when no key is configured, 422
     *     {@code encryption_key_unusable} when a passphrase's derivation settings are broken
     */
    public byte[] seal(String plaintext, SecretBinding binding) {
        requireKey();
        try {
            return sealed.seal(plaintext, binding);
        } catch (SecretKeyException e) {
            throw unusable(e);
        }
    }

    /**
     * Decrypts a stored secret for the row and column {@code binding} names.
     *
     * @throws ApiException 422 {@code encryption_key_missing} when no key is configured, 422
     *     {@code stored_secret_unreadable} when the value does not open (another key, another row, altered, or a
     *     retired v1 value), 422 {@code encryption_key_unusable} when a passphrase's derivation settings are broken
     */
    public String open(byte[] stored, SecretBinding binding) {
        requireKey();
        try {
            return sealed.open(stored, binding);
        } catch (UnreadableSecretException e) {
            throw new ApiException(HttpStatus.UNPROCESSABLE_CONTENT, "stored_secret_unreadable", e.getMessage());
        } catch (SecretKeyException e) {
            throw unusable(e);
        }
    }

    /** The process's sealer itself, for the start-up migration of v1 values. */
    SealedSecrets sealed() {
        return sealed;
    }

    private void requireKey() {
        if (!sealed.available()) {
            throw new ApiException(
                    HttpStatus.UNPROCESSABLE_CONTENT,
                    "encryption_key_missing",
                    "This server cannot store or use secrets: set CREDENTIAL_ENCRYPTION_KEY (32 bytes in base64, or a"
                            + " long passphrase) and restart it. Secrets are never kept in plain text.");
        }
    }

    private static ApiException unusable(SecretKeyException e) {
        return new ApiException(HttpStatus.UNPROCESSABLE_CONTENT, "encryption_key_unusable", e.getMessage());
    }
}
