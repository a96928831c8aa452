package dev.agentcenter.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentcenter.support.SealedSecrets.KdfSettings;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.UUID;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class SecretCipherTest {

    private static final String RAW_KEY = Base64.getEncoder().encodeToString(new byte[32]);
    private static final UUID CONNECTION = UUID.randomUUID();
    private static final UUID WORKSPACE = UUID.randomUUID();
    private static final SecretBinding TOKEN =
            SecretBinding.repositoryToken(CONNECTION, WORKSPACE, "github", "acme", "widgets");

    /** A raw key needs no database: the salt is read only for a passphrase. */
    private static SealedSecrets secrets(String key) {
        return new SealedSecrets(key, null);
    }

    @Test
    void roundTripsInTheCurrentFormatAndNeverStoresThePlaintext() {
        SealedSecrets secrets = secrets(RAW_KEY);
        byte[] sealed = secrets.seal("ghp_secret", TOKEN);

        assertThat(sealed[0]).isEqualTo(SecretCipher.VERSION);
        assertThat(SecretCipher.version(sealed)).isEqualTo(2);
        assertThat(new String(sealed, StandardCharsets.ISO_8859_1)).doesNotContain("ghp_secret");
        assertThat(secrets.open(sealed, TOKEN)).isEqualTo("ghp_secret");
        assertThat(secrets.seal("ghp_secret", TOKEN))
                .as("fresh nonce each time")
                .isNotEqualTo(sealed);
    }

    /** The heart of finding 6: the same value under any other row, column or purpose does not open. */
    @Test
    void aValueOpensOnlyForItsOwnRow() {
        SealedSecrets secrets = secrets(RAW_KEY);
        byte[] token = secrets.seal("ghp_secret", TOKEN);
        byte[] credential = secrets.seal("sk-secret", SecretBinding.credential("openai", "api_key"));

        for (SecretBinding other : new SecretBinding[] {
            SecretBinding.repositoryToken(UUID.randomUUID(), WORKSPACE, "github", "acme", "widgets"),
            SecretBinding.repositoryToken(CONNECTION, UUID.randomUUID(), "github", "acme", "widgets"),
            SecretBinding.repositoryToken(CONNECTION, WORKSPACE, "github", "evil", "widgets"),
            SecretBinding.repositoryToken(CONNECTION, WORKSPACE, "github", "acme", "loot"),
            SecretBinding.repositoryToken(CONNECTION, WORKSPACE, "gitlab", "acme", "widgets"),
            SecretBinding.credential("openai", "api_key")
        }) {
            assertThatThrownBy(() -> secrets.open(token, other))
                    .as("opened as %s", other)
                    .isInstanceOfSatisfying(
                            UnreadableSecretException.class,
                            e -> assertThat(e.reason()).isEqualTo(UnreadableSecretException.Reason.WRONG_KEY_OR_ROW))
                    .hasMessageContaining("another row")
                    .hasMessageNotContaining("ghp_secret");
        }
        assertThatThrownBy(() -> secrets.open(credential, SecretBinding.credential("anthropic", "api_key")))
                .isInstanceOf(UnreadableSecretException.class);
        assertThatThrownBy(() -> secrets.open(credential, SecretBinding.credential("openai", "codex_auth_json")))
                .isInstanceOf(UnreadableSecretException.class);
    }

    @Test
    void fieldsAreLengthPrefixedSoShiftingCharactersBetweenThemChangesTheBinding() {
        SealedSecrets secrets = secrets(RAW_KEY);
        byte[] sealed =
                secrets.seal("ghp_secret", SecretBinding.repositoryToken(CONNECTION, WORKSPACE, "github", "ab", "c"));

        assertThatThrownBy(() ->
                        secrets.open(sealed, SecretBinding.repositoryToken(CONNECTION, WORKSPACE, "github", "a", "bc")))
                .isInstanceOf(UnreadableSecretException.class);
    }

    @Test
    void refusesAnotherKeyTamperingAndGarbageWithClearReasons() {
        byte[] sealed = secrets(RAW_KEY).seal("value", TOKEN);
        String otherKey = randomKey();

        assertThatThrownBy(() -> secrets(otherKey).open(sealed, TOKEN))
                .isInstanceOf(UnreadableSecretException.class)
                .hasMessageContaining("CREDENTIAL_ENCRYPTION_KEY");
        byte[] tampered = sealed.clone();
        tampered[tampered.length - 1] ^= 1;
        assertThatThrownBy(() -> secrets(RAW_KEY).open(tampered, TOKEN)).isInstanceOf(UnreadableSecretException.class);
        byte[] unknownVersion = sealed.clone();
        unknownVersion[0] = 9;
        for (byte[] garbage : new byte[][] {null, {}, {2, 1, 2, 3}, unknownVersion}) {
            assertThatThrownBy(() -> secrets(RAW_KEY).open(garbage, TOKEN))
                    .isInstanceOfSatisfying(
                            UnreadableSecretException.class,
                            e -> assertThat(e.reason()).isEqualTo(UnreadableSecretException.Reason.MALFORMED));
        }
    }

    /** Rows stored before the migration: the old algorithm, reproduced here, still opens through the legacy path. */
    @Test
    void opensV1ValuesOnlyThroughTheLegacyPath() throws Exception {
        String passphrase = "correct horse battery staple";
        byte[] v1 = legacySeal(passphrase, "repo_token", "ghp_old");
        SecretCipher cipher = new SecretCipher(new byte[32], sha256(passphrase));

        assertThat(cipher.openLegacy(v1, TOKEN)).isEqualTo("ghp_old");
        assertThatThrownBy(() -> cipher.open(v1, TOKEN)).isInstanceOf(UnreadableSecretException.class);
        assertThatThrownBy(() -> cipher.openLegacy(
                        legacySeal(passphrase, "credential:openai", "sk-x"),
                        SecretBinding.credential("anthropic", "api_key")))
                .isInstanceOf(UnreadableSecretException.class);
        byte[] rawV1 = legacySealWithKey(new byte[32], "credential:openai", "sk-raw");
        SealedSecrets raw = secrets(RAW_KEY);
        assertThat(raw.openLegacy(rawV1, SecretBinding.credential("openai", "api_key")))
                .as("a raw key is the same key in both versions")
                .isEqualTo("sk-raw");
    }

    @Test
    void argon2idIsDeterministicPerSaltAndRefusesSettingsOutOfBounds() {
        byte[] salt = new byte[16];
        KdfSettings settings = new KdfSettings("argon2id", salt, 8_192, 1, 1);
        byte[] passphrase = "a passphrase".getBytes(StandardCharsets.UTF_8);

        byte[] key = settings.derive(passphrase);
        assertThat(key).hasSize(32).isEqualTo(settings.derive(passphrase));
        byte[] otherSalt = salt.clone();
        otherSalt[0] = 1;
        assertThat(new KdfSettings("argon2id", otherSalt, 8_192, 1, 1).derive(passphrase))
                .isNotEqualTo(key);
        assertThat(new KdfSettings("argon2id", salt, 8_192, 2, 1).derive(passphrase))
                .isNotEqualTo(key);

        for (Runnable bad : new Runnable[] {
            () -> new KdfSettings("scrypt", salt, 8_192, 1, 1),
            () -> new KdfSettings("argon2id", new byte[8], 8_192, 1, 1),
            () -> new KdfSettings("argon2id", salt, 1_024, 1, 1),
            () -> new KdfSettings("argon2id", salt, 4_000_000, 1, 1),
            () -> new KdfSettings("argon2id", salt, 8_192, 0, 1),
            () -> new KdfSettings("argon2id", salt, 8_192, 1, 0)
        }) {
            assertThatThrownBy(bad::run)
                    .isInstanceOf(SecretKeyException.class)
                    .hasMessageContaining("encryption_settings");
        }
    }

    @Test
    void tellsA32ByteBase64KeyFromAPassphrase() {
        assertThat(SealedSecrets.isRawKey(RAW_KEY)).isTrue();
        assertThat(SealedSecrets.isRawKey(" " + RAW_KEY + "\n")).isTrue();
        assertThat(SealedSecrets.isRawKey("correct horse battery staple")).isFalse();
        assertThat(SealedSecrets.isRawKey(Base64.getEncoder().encodeToString(new byte[16])))
                .isFalse();
    }

    @Test
    void aMissingKeyIsAClearError() {
        SealedSecrets none = secrets(" ");

        assertThat(none.available()).isFalse();
        assertThatThrownBy(() -> none.seal("x", TOKEN)).hasMessageContaining("CREDENTIAL_ENCRYPTION_KEY");
    }

    /** The v1 algorithm as it was: SHA-256 of the passphrase, the purpose as the only associated data. */
    static byte[] legacySeal(String passphrase, String purpose, String plaintext) throws Exception {
        return legacySealWithKey(sha256(passphrase), purpose, plaintext);
    }

    private static byte[] legacySealWithKey(byte[] key, String purpose, String plaintext) throws Exception {
        byte[] nonce = new byte[12];
        new SecureRandom().nextBytes(nonce);
        Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
        cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, nonce));
        cipher.updateAAD(purpose.getBytes(StandardCharsets.UTF_8));
        byte[] sealed = cipher.doFinal(plaintext.getBytes(StandardCharsets.UTF_8));
        return ByteBuffer.allocate(1 + 12 + sealed.length)
                .put((byte) 1)
                .put(nonce)
                .put(sealed)
                .array();
    }

    private static byte[] sha256(String passphrase) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(passphrase.getBytes(StandardCharsets.UTF_8));
    }

    private static String randomKey() {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        return Base64.getEncoder().encodeToString(key);
    }
}
