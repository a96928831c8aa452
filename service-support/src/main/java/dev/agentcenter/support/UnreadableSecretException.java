package dev.agentcenter.support;

/**
 * A stored secret that cannot be opened. The message says why and what to do, and never contains the secret: callers
 * pass it on to clients ({@code stored_secret_unreadable}) and to runs ({@code credentials_unavailable}).
 */
public final class UnreadableSecretException extends RuntimeException {

    /** Why the value did not open. */
    public enum Reason {
        /**
         * The authentication tag did not verify: another key, a value copied from another row (or its row changed
         * what it is for), or altered bytes. AES-GCM cannot tell these apart.
         */
        WRONG_KEY_OR_ROW,
        /** A value in the v1 format after every v1 value was re-sealed, e.g. one restored from an old backup. */
        LEGACY_FORMAT_RETIRED,
        /** Not a ciphertext of any known format. */
        MALFORMED
    }

    private final Reason reason;

    UnreadableSecretException(Reason reason, String message) {
        super(message, null, false, false);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }

    static UnreadableSecretException wrongKeyOrRow(SecretBinding binding) {
        return new UnreadableSecretException(
                Reason.WRONG_KEY_OR_ROW,
                "The stored secret in " + binding + " does not open: it was sealed with another"
                        + " CREDENTIAL_ENCRYPTION_KEY, or it was copied from another row or altered (each secret is"
                        + " bound to its row). Restore the key, or store the secret again.");
    }

    static UnreadableSecretException legacyRetired(SecretBinding binding) {
        return new UnreadableSecretException(
                Reason.LEGACY_FORMAT_RETIRED,
                "The stored secret in " + binding + " is in the retired v1 format (every v1 value was re-sealed"
                        + " when the API started, so this one was put back afterwards): store the secret again.");
    }

    static UnreadableSecretException malformed(SecretBinding binding) {
        return new UnreadableSecretException(
                Reason.MALFORMED,
                "The stored secret in " + binding + " is not a sealed value of a known format: store it again.");
    }
}
