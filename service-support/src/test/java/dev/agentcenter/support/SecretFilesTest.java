package dev.agentcenter.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SecretFilesTest {

    @TempDir
    Path directory;

    @AfterEach
    void clearProperties() {
        SecretFiles.NAMES.forEach(System::clearProperty);
    }

    @Test
    void aSecretComesFromItsFileAsASystemPropertyAndInTheReturnedEnvironment() throws Exception {
        Path token = Files.writeString(directory.resolve("token"), "s3cret-from-file\n");

        Map<String, String> env =
                SecretFiles.apply(Map.of("RUNNER_INTERNAL_TOKEN_FILE", token.toString(), "PATH", "/bin"));

        assertThat(env)
                .containsEntry("RUNNER_INTERNAL_TOKEN", "s3cret-from-file")
                .containsEntry("PATH", "/bin");
        assertThat(System.getProperty("RUNNER_INTERNAL_TOKEN")).isEqualTo("s3cret-from-file");
    }

    @Test
    void bothFormsOrAnUnreadableFileStopTheServiceWithAClearMessage() throws Exception {
        Path key = Files.writeString(directory.resolve("key"), "k");

        assertThatThrownBy(() -> SecretFiles.apply(Map.of(
                        "CREDENTIAL_ENCRYPTION_KEY", "direct", "CREDENTIAL_ENCRYPTION_KEY_FILE", key.toString())))
                .hasMessage("Set CREDENTIAL_ENCRYPTION_KEY or CREDENTIAL_ENCRYPTION_KEY_FILE, not both");
        assertThatThrownBy(() -> SecretFiles.apply(
                        Map.of("DATABASE_URL_FILE", directory.resolve("missing").toString())))
                .hasMessageStartingWith("DATABASE_URL_FILE=")
                .hasMessageContaining("cannot be read");
        assertThat(System.getProperty("CREDENTIAL_ENCRYPTION_KEY")).isNull();
    }

    @Test
    void variablesThatAreNotSecretsAreLeftAlone() {
        assertThat(SecretFiles.apply(Map.of("API_PORT_FILE", "/etc/passwd"))).doesNotContainKey("API_PORT");
    }
}
