package dev.agentcenter.support;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES-256-GCM for secrets at rest (repository tokens, provider credentials). Services use it through
 * {@link SealedSecrets}, which turns {@code CREDENTIAL_ENCRYPTION_KEY} into the key once per process.
 *
 * <p>Stored form: {@code version(1) || nonce(12) || ciphertext+tag(16)}.
 *
 * <ul>
 *   <li>{@code 2} (written): the associated data is the {@link SecretBinding} (purpose, table, column, row) with the
 *       version byte, so a value copied to another row does not open. A passphrase key comes from Argon2id.
 *   <li>{@code 1} (read only, to migrate): the associated data was a constant per purpose and a passphrase key was
 *       one unsalted SHA-256 of it.
 * </ul>
 *
 * <p>A 32-byte key given in base64 is the same in both versions.
 */
public final class SecretCipher {

    /** The retired format: constant associated data, SHA-256 of a passphrase. */
    public static final byte LEGACY_VERSION = 1;
    /** The current format: associated data bound to the row, Argon2id of a passphrase. */
    public static final byte VERSION = 2;

    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final int MIN_LENGTH = 1 + NONCE_BYTES + TAG_BITS / 8;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final SecretKeySpec key;
    private final SecretKeySpec legacyKey;

    /**
     * @param key the AES-256 key of version 2
     * @param legacyKey the AES-256 key version 1 values were sealed with
     */
    SecretCipher(byte[] key, byte[] legacyKey) {
        if (key.length != 32 || legacyKey.length != 32) {
            throw new IllegalArgumentException("AES-256 needs 32-byte keys");
        }
        this.key = new SecretKeySpec(key, "AES");
        this.legacyKey = new SecretKeySpec(legacyKey, "AES");
    }

    /** The format version of a stored value: its first byte, or {@code -1} when it is too short to be sealed. */
    public static int version(byte[] stored) {
        return stored == null || stored.length < MIN_LENGTH ? -1 : stored[0];
    }

    /** Seals {@code plaintext} for the row and column {@code binding} names, in the current format. */
    public byte[] seal(String plaintext, SecretBinding binding) {
        byte[] nonce = new byte[NONCE_BYTES];
        RANDOM.nextBytes(nonce);
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(binding.associatedData(VERSION));
            byte[] sealed = cipher.doFinal(plaintext.getBytes(StandardCharsets.UTF_8));
            return ByteBuffer.allocate(1 + NONCE_BYTES + sealed.length)
                    .put(VERSION)
                    .put(nonce)
                    .put(sealed)
                    .array();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Encryption failed", e);
        }
    }

    /**
     * Opens a value {@link #seal} produced for the same binding.
     *
     * @throws UnreadableSecretException when it is not of the current format, or does not authenticate (another key,
     *     another row, altered bytes)
     */
    public String open(byte[] stored, SecretBinding binding) {
        if (version(stored) != VERSION) {
            throw UnreadableSecretException.malformed(binding);
        }
        return decrypt(stored, key, binding.associatedData(VERSION), binding);
    }

    /**
     * Opens a value of the retired v1 format, whose associated data was only the purpose. For migrating stored rows:
     * {@link SealedSecrets} decides whether v1 is still accepted.
     */
    String openLegacy(byte[] stored, SecretBinding binding) {
        if (version(stored) != LEGACY_VERSION) {
            throw UnreadableSecretException.malformed(binding);
        }
        return decrypt(stored, legacyKey, binding.legacyPurpose().getBytes(StandardCharsets.UTF_8), binding);
    }

    private static String decrypt(byte[] stored, SecretKeySpec key, byte[] associatedData, SecretBinding binding) {
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, stored, 1, NONCE_BYTES));
            cipher.updateAAD(associatedData);
            byte[] plain = cipher.doFinal(stored, 1 + NONCE_BYTES, stored.length - 1 - NONCE_BYTES);
            return new String(plain, StandardCharsets.UTF_8);
        } catch (AEADBadTagException e) {
            throw UnreadableSecretException.wrongKeyOrRow(binding);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Decryption failed", e);
        }
    }
}
