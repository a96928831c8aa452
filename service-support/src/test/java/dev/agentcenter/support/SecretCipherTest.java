package dev.agentcenter.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class SecretCipherTest {

    @Test
    void roundTripsAndNeverStoresThePlaintext() {
        SecretCipher cipher = SecretCipher.fromConfiguredKey("correct horse battery staple");
        byte[] sealed = cipher.encrypt("ghp_secret", "repo_token");

        assertThat(new String(sealed, StandardCharsets.ISO_8859_1)).doesNotContain("ghp_secret");
        assertThat(cipher.decrypt(sealed, "repo_token")).isEqualTo("ghp_secret");
        assertThat(cipher.encrypt("ghp_secret", "repo_token"))
                .as("fresh nonce each time")
                .isNotEqualTo(sealed);
    }

    @Test
    void refusesAnotherPurposeAnotherKeyAndTampering() {
        SecretCipher cipher = SecretCipher.fromConfiguredKey(Base64.getEncoder().encodeToString(new byte[32]));
        byte[] sealed = cipher.encrypt("value", "repo_token");

        assertThatThrownBy(() -> cipher.decrypt(sealed, "credential")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SecretCipher.fromConfiguredKey("other").decrypt(sealed, "repo_token"))
                .isInstanceOf(IllegalArgumentException.class);
        sealed[sealed.length - 1] ^= 1;
        assertThatThrownBy(() -> cipher.decrypt(sealed, "repo_token")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aMissingKeyIsAClearError() {
        assertThatThrownBy(() -> SecretCipher.fromConfiguredKey(" ")).hasMessageContaining("CREDENTIAL_ENCRYPTION_KEY");
    }
}
