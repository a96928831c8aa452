package dev.agentcenter.testing;

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
 * The v1 sealing format as it was written before the row-bound format, reproduced independently of service-support so
 * that tests can fill a database with rows "stored by the old version": {@code 0x01 || nonce(12) || ciphertext+tag},
 * AES-256-GCM, the key a 32-byte base64 key as given or else SHA-256 of the passphrase, the associated data only the
 * purpose ({@code repo_token} or {@code credential:<provider>}).
 */
public final class LegacySealing {

    private static final SecureRandom RANDOM = new SecureRandom();

    private LegacySealing() {}

    /** Seals {@code plaintext} as the old {@code SecretCipher.encrypt(plaintext, purpose)} did. */
    public static byte[] seal(String configuredKey, String purpose, String plaintext) {
        try {
            byte[] nonce = new byte[12];
            RANDOM.nextBytes(nonce);
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(
                    Cipher.ENCRYPT_MODE,
                    new SecretKeySpec(key(configuredKey), "AES"),
                    new GCMParameterSpec(128, nonce));
            cipher.updateAAD(purpose.getBytes(StandardCharsets.UTF_8));
            byte[] sealed = cipher.doFinal(plaintext.getBytes(StandardCharsets.UTF_8));
            return ByteBuffer.allocate(1 + 12 + sealed.length)
                    .put((byte) 1)
                    .put(nonce)
                    .put(sealed)
                    .array();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] key(String configured) throws GeneralSecurityException {
        String value = configured.strip();
        try {
            byte[] decoded = Base64.getDecoder().decode(value);
            if (decoded.length == 32) {
                return decoded;
            }
        } catch (IllegalArgumentException passphrase) {
            // derived below
        }
        return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
    }
}
