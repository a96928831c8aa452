package dev.agentcenter.support;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES-256-GCM for secrets at rest (repository tokens, provider credentials).
 *
 * <p>Stored form: {@code version(1) || nonce(12) || ciphertext+tag}. The purpose (e.g. {@code repo_token}) is bound
 * as associated data, so a ciphertext copied into another column does not decrypt. The key is the
 * {@code CREDENTIAL_ENCRYPTION_KEY}: 32 bytes in base64, or any passphrase (then SHA-256 of it).
 */
public final class SecretCipher {

    private static final byte VERSION = 1;
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;

    private final SecretKeySpec key;
    private final SecureRandom random = new SecureRandom();

    private SecretCipher(byte[] key) {
        this.key = new SecretKeySpec(key, "AES");
    }

    /** A cipher for the configured key. */
    public static SecretCipher fromConfiguredKey(String configured) {
        if (configured == null || configured.isBlank()) {
            throw new IllegalArgumentException("CREDENTIAL_ENCRYPTION_KEY is not set");
        }
        String value = configured.strip();
        try {
            byte[] decoded = Base64.getDecoder().decode(value);
            if (decoded.length == 32) {
                return new SecretCipher(decoded);
            }
        } catch (IllegalArgumentException notBase64) {
            // a passphrase: derive below
        }
        try {
            return new SecretCipher(
                    MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Encrypts {@code plaintext} for {@code purpose}. */
    public byte[] encrypt(String plaintext, String purpose) {
        try {
            byte[] nonce = new byte[NONCE_BYTES];
            random.nextBytes(nonce);
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(purpose.getBytes(StandardCharsets.UTF_8));
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

    /** Decrypts what {@link #encrypt} produced for the same purpose; fails on a wrong key or tampering. */
    public String decrypt(byte[] stored, String purpose) {
        if (stored == null || stored.length < 1 + NONCE_BYTES + TAG_BITS / 8 || stored[0] != VERSION) {
            throw new IllegalArgumentException("Not a ciphertext of this version");
        }
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, stored, 1, NONCE_BYTES));
            cipher.updateAAD(purpose.getBytes(StandardCharsets.UTF_8));
            byte[] plain = cipher.doFinal(stored, 1 + NONCE_BYTES, stored.length - 1 - NONCE_BYTES);
            return new String(plain, StandardCharsets.UTF_8);
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("Decryption failed: wrong key or corrupted data", e);
        }
    }
}
