package dev.agentcenter.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNoException;

import dev.agentcenter.support.SealedSecrets;
import dev.agentcenter.support.SecretBinding;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SecretsTest {

    @TempDir
    Path dir;

    @Test
    void createsTheFileOnceWithOwnerOnlyPermissionsAndReusesIt() throws Exception {
        Path file = dir.resolve("data/credential.key");
        AtomicInteger generated = new AtomicInteger();

        String first = Secrets.readOrCreate(file, () -> "key-" + generated.incrementAndGet());
        String second = Secrets.readOrCreate(file, () -> "key-" + generated.incrementAndGet());

        assertThat(first).isEqualTo("key-1");
        assertThat(second).isEqualTo(first);
        assertThat(generated).hasValue(1);
        assertThat(Files.getPosixFilePermissions(file)).isEqualTo(Secrets.OWNER_ONLY);
        assertThat(Files.readString(file)).isEqualTo("key-1\n");
        try (var siblings = Files.list(file.getParent())) {
            assertThat(siblings).containsExactly(file); // no temporary file left behind
        }
    }

    @Test
    void narrowsAFileOthersCouldRead() throws Exception {
        Path file = dir.resolve("runner.token");
        Files.writeString(file, "existing-token\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));

        String token = Secrets.readOrCreate(file, () -> {
            throw new AssertionError("must reuse the existing token");
        });

        assertThat(token).isEqualTo("existing-token");
        assertThat(Files.getPosixFilePermissions(file)).isEqualTo(Secrets.OWNER_ONLY);
    }

    @Test
    void replacesAnEmptyFileLeftByACrash() throws Exception {
        Path file = dir.resolve("credential.key");
        Files.writeString(file, "  \n");

        assertThat(Secrets.readOrCreate(file, () -> "fresh")).isEqualTo("fresh");
        assertThat(Files.readString(file)).isEqualTo("fresh\n");
    }

    @Test
    void generatedKeysAreAes256KeysTheServicesAccept() {
        String key = Secrets.newEncryptionKey();

        assertThat(Base64.getDecoder().decode(key)).hasSize(32);
        assertThat(key).isNotEqualTo(Secrets.newEncryptionKey());
        // Taken as an AES-256 key as it is: no passphrase derivation, so no database is needed to use it.
        assertThat(SealedSecrets.isRawKey(key)).isTrue();
        SealedSecrets secrets = new SealedSecrets(key, null);
        SecretBinding binding = SecretBinding.credential("openai", "api_key");
        assertThat(secrets.open(secrets.seal("sk-secret", binding), binding)).isEqualTo("sk-secret");
    }

    @Test
    void generatedTokensFitInAnAuthorizationHeader() {
        String token = Secrets.newToken();

        assertThat(token).matches("[A-Za-z0-9_-]{43}");
        assertThatNoException().isThrownBy(() -> Base64.getUrlDecoder().decode(token));
    }
}
