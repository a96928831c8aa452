package dev.agentcenter.support;

/**
 * {@code CREDENTIAL_ENCRYPTION_KEY} is set but cannot be turned into a key: the passphrase's derivation settings (the
 * {@code encryption_settings} row) are missing or out of bounds. The message says what to do.
 */
public final class SecretKeyException extends RuntimeException {

    SecretKeyException(String message) {
        super(message);
    }
}
