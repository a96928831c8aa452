package dev.agentcenter.stack;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Secrets the local stack makes up when the user did not set them: kept in files readable only by the owner, so
 * that a restart reuses them (credentials encrypted with the key stay readable).
 */
final class Secrets {

    static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
    private static final SecureRandom RANDOM = new SecureRandom();

    private Secrets() {}

    /**
     * {@code NAME_FILE} of each secret the user did not set (neither {@code NAME} nor {@code NAME_FILE}), generated
     * into the data directory on first use and reused after.
     */
    static Map<String, String> generatedFor(Map<String, String> env, Path dataDir) throws IOException {
        Map<String, String> generated = new LinkedHashMap<>();
        if (unset(env, "CREDENTIAL_ENCRYPTION_KEY")) {
            Path key = dataDir.resolve("credential.key");
            readOrCreate(key, Secrets::newEncryptionKey);
            generated.put("CREDENTIAL_ENCRYPTION_KEY_FILE", key.toString());
        }
        if (unset(env, "RUNNER_INTERNAL_TOKEN")) {
            Path token = dataDir.resolve("runner.token");
            readOrCreate(token, Secrets::newToken);
            generated.put("RUNNER_INTERNAL_TOKEN_FILE", token.toString());
        }
        return generated;
    }

    private static boolean unset(Map<String, String> env, String secret) {
        return isBlank(env.get(secret)) && isBlank(env.get(secret + "_FILE"));
    }

    private static boolean isBlank(String value) {
        return value == null || value.isBlank();
    }

    /**
     * 32 random bytes in base64: the form {@code SealedSecrets} takes as an AES-256 key as it is, with no passphrase
     * derivation (so no Argon2id cost at start).
     */
    static String newEncryptionKey() {
        return Base64.getEncoder().encodeToString(randomBytes(32));
    }

    /** 32 random bytes in URL-safe base64, fit for an HTTP header. */
    static String newToken() {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(randomBytes(32));
    }

    /**
     * The secret stored in {@code file}, or a new one from {@code generator} written there with mode 600. An
     * existing file whose mode is wider is narrowed to 600.
     */
    static String readOrCreate(Path file, Supplier<String> generator) throws IOException {
        if (Files.isRegularFile(file)) {
            String existing = Files.readString(file, StandardCharsets.UTF_8).strip();
            if (!existing.isEmpty()) {
                if (!Files.getPosixFilePermissions(file).equals(OWNER_ONLY)) {
                    Files.setPosixFilePermissions(file, OWNER_ONLY);
                }
                return existing;
            }
        }
        Files.createDirectories(file.getParent());
        String secret = generator.get();
        // Written to a private temporary file and renamed: the secret is never readable by others, and a crash
        // never leaves a half-written file behind.
        Path temporary = Files.createTempFile(
                file.getParent(), file.getFileName() + ".", ".tmp", PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        try {
            Files.writeString(temporary, secret + "\n", StandardCharsets.UTF_8);
            Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temporary);
        }
        return secret;
    }

    private static byte[] randomBytes(int count) {
        byte[] bytes = new byte[count];
        RANDOM.nextBytes(bytes);
        return bytes;
    }
}
