package dev.agentcenter.support;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.Base64;
import java.util.Optional;
import javax.sql.DataSource;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Seals and opens the secrets stored in Postgres with {@code CREDENTIAL_ENCRYPTION_KEY}; one instance per process.
 *
 * <p>The key is either 32 bytes in base64 (what {@code ./agent-center} generates), used as it is, or a passphrase,
 * stretched with Argon2id: memory-hard, so guessing a passphrase from a stolen database costs ~19 MiB and two passes
 * over it per guess, not one SHA-256. The salt and the parameters are the one row of {@code encryption_settings},
 * made with a random salt by the migration that created the table, so every service of a deployment derives the same
 * key and a precomputed table fits only one deployment. The derivation runs once, on first use, and its result is
 * kept for the life of the process.
 *
 * <p>Values of the retired v1 format (see {@link SecretCipher}) open only until the API has re-sealed them all
 * ({@code encryption_settings.v1_retired_at}); after that an old v1 value put back into a row is refused, so a copy
 * taken before the migration cannot be replayed into another row.
 */
public final class SealedSecrets {

    private static final Logger log = LoggerFactory.getLogger(SealedSecrets.class);
    private static final int KEY_BYTES = 32;

    private final String configured;
    private final DataSource database;
    private final Object derivation = new Object();
    private volatile SecretCipher cipher;

    /**
     * @param configuredKey {@code CREDENTIAL_ENCRYPTION_KEY}, or {@code null}/blank when none is set
     * @param database where the passphrase's salt is kept; read only for a passphrase and for v1 values
     */
    public SealedSecrets(String configuredKey, DataSource database) {
        this.configured = configuredKey == null || configuredKey.isBlank() ? null : configuredKey.strip();
        this.database = database;
    }

    /** Whether a key is configured, so secrets can be sealed and opened. */
    public boolean available() {
        return configured != null;
    }

    /**
     * Whether {@code configured} is a 32-byte key in base64, used without derivation. Anything else is a passphrase.
     */
    public static boolean isRawKey(String configured) {
        return rawKey(configured.strip()).isPresent();
    }

    /**
     * Derives the key now (a passphrase costs one Argon2id run), so that the first request does not pay for it and a
     * broken setup shows at start.
     *
     * @throws SecretKeyException when the derivation settings are missing or out of bounds
     */
    public void warmUp() {
        cipher();
    }

    /** Seals a secret for the row and column {@code binding} names. */
    public byte[] seal(String plaintext, SecretBinding binding) {
        return cipher().seal(plaintext, binding);
    }

    /**
     * Opens a stored secret for the row and column {@code binding} names.
     *
     * @throws UnreadableSecretException when it was sealed with another key, for another row, altered, or is an old v1
     *     value after v1 was retired
     * @throws SecretKeyException when a passphrase's derivation settings are missing or out of bounds
     */
    public String open(byte[] stored, SecretBinding binding) {
        int version = SecretCipher.version(stored);
        if (version == SecretCipher.VERSION) {
            return cipher().open(stored, binding);
        }
        if (version == SecretCipher.LEGACY_VERSION) {
            if (legacyRetired()) {
                throw UnreadableSecretException.legacyRetired(binding);
            }
            return cipher().openLegacy(stored, binding);
        }
        throw UnreadableSecretException.malformed(binding);
    }

    /**
     * Opens a v1 value whether or not v1 is retired: for the migration that re-seals v1 rows, which checks
     * retirement itself inside its transaction.
     */
    public String openLegacy(byte[] stored, SecretBinding binding) {
        return cipher().openLegacy(stored, binding);
    }

    /**
     * Whether every v1 value was re-sealed, so v1 is no longer accepted. A missing settings row counts as retired:
     * deleting it must not re-open the door to replayed v1 values.
     */
    public boolean legacyRetired() {
        try (Connection connection = database.getConnection();
                PreparedStatement statement = connection.prepareStatement(
                        "SELECT v1_retired_at IS NOT NULL FROM encryption_settings WHERE id");
                ResultSet rs = statement.executeQuery()) {
            return !rs.next() || rs.getBoolean(1);
        } catch (SQLException e) {
            throw new IllegalStateException("Could not read encryption_settings", e);
        }
    }

    private SecretCipher cipher() {
        SecretCipher current = cipher;
        if (current != null) {
            return current;
        }
        synchronized (derivation) {
            if (cipher == null) {
                cipher = derive();
            }
            return cipher;
        }
    }

    private SecretCipher derive() {
        if (configured == null) {
            throw new IllegalStateException("CREDENTIAL_ENCRYPTION_KEY is not set");
        }
        Optional<byte[]> raw = rawKey(configured);
        if (raw.isPresent()) {
            return new SecretCipher(raw.get(), raw.get());
        }
        byte[] passphrase = configured.getBytes(StandardCharsets.UTF_8);
        try {
            KdfSettings settings = loadSettings();
            long started = System.nanoTime();
            byte[] key = settings.derive(passphrase);
            log.info(
                    "Derived the secret key from the CREDENTIAL_ENCRYPTION_KEY passphrase with {} in {} ms",
                    settings,
                    (System.nanoTime() - started) / 1_000_000);
            return new SecretCipher(key, sha256(passphrase));
        } finally {
            Arrays.fill(passphrase, (byte) 0);
        }
    }

    private KdfSettings loadSettings() {
        try (Connection connection = database.getConnection();
                PreparedStatement statement = connection.prepareStatement(
                        "SELECT kdf, salt, memory_kib, iterations, parallelism FROM encryption_settings WHERE id");
                ResultSet rs = statement.executeQuery()) {
            if (!rs.next()) {
                throw new SecretKeyException(
                        "CREDENTIAL_ENCRYPTION_KEY is a passphrase, but the encryption_settings row that holds"
                                + " its salt is missing, so the key cannot be derived. Restore the row from a backup,"
                                + " or use a 32-byte key in base64 and store the secrets again.");
            }
            return new KdfSettings(
                    rs.getString("kdf"),
                    rs.getBytes("salt"),
                    rs.getInt("memory_kib"),
                    rs.getInt("iterations"),
                    rs.getInt("parallelism"));
        } catch (SQLException e) {
            throw new IllegalStateException("Could not read encryption_settings", e);
        }
    }

    private static Optional<byte[]> rawKey(String value) {
        try {
            byte[] decoded = Base64.getDecoder().decode(value);
            return decoded.length == KEY_BYTES ? Optional.of(decoded) : Optional.empty();
        } catch (IllegalArgumentException notBase64) {
            return Optional.empty();
        }
    }

    /** The v1 key of a passphrase, to open values stored before the migration. */
    private static byte[] sha256(byte[] passphrase) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(passphrase);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * How a passphrase becomes the key: Argon2id (RFC 9106, version 1.3) with the stored salt. Migration V4 gives a new
     * database OWASP's Argon2id minimum, 19456 KiB, 2 passes, 1 lane: on the 2-core development machine 40-110 ms of
     * CPU once JIT-compiled, 0.3-0.4 s for the first run in a fresh JVM (the one a service pays). The bounds keep a
     * tampered row from exhausting a service's memory (they run with a 256 MiB heap) or degrading the derivation.
     */
    record KdfSettings(String kdf, byte[] salt, int memoryKib, int iterations, int parallelism) {

        KdfSettings {
            if (!"argon2id".equals(kdf)
                    || salt == null
                    || salt.length < 16
                    || salt.length > 64
                    || memoryKib < 8_192
                    || memoryKib > 131_072
                    || iterations < 1
                    || iterations > 16
                    || parallelism < 1
                    || parallelism > 8) {
                throw new SecretKeyException("The encryption_settings row is out of bounds (kdf argon2id, a 16-64 byte"
                        + " salt, memory_kib 8192-131072, iterations 1-16, parallelism 1-8), so the passphrase's key"
                        + " cannot be derived. Restore the row from a backup.");
            }
        }

        byte[] derive(byte[] passphrase) {
            Argon2BytesGenerator generator = new Argon2BytesGenerator();
            generator.init(new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
                    .withVersion(Argon2Parameters.ARGON2_VERSION_13)
                    .withSalt(salt)
                    .withMemoryAsKB(memoryKib)
                    .withIterations(iterations)
                    .withParallelism(parallelism)
                    .build());
            byte[] key = new byte[KEY_BYTES];
            generator.generateBytes(passphrase, key);
            return key;
        }

        @Override
        public String toString() {
            return "Argon2id (" + memoryKib + " KiB, " + iterations + " passes, " + parallelism + " lane"
                    + (parallelism == 1 ? "" : "s") + ")";
        }
    }
}
