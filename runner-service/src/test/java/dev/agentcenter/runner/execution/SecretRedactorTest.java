package dev.agentcenter.runner.execution;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class SecretRedactorTest {

    private static final String SECRET = "s3cr3t-Value/with+odd&chars=\"q\"\\x";
    private final SecretRedactor redactor = new SecretRedactor(SECRET, "second-secret-123", null, "  ");

    @Test
    void theValueItself() {
        assertThat(redactor.redact("token=" + SECRET + " done")).isEqualTo("token=[REDACTED] done");
        assertThat(redactor.redact("a second-secret-123b")).isEqualTo("a [REDACTED]b");
    }

    @Test
    void surroundingWhitespaceOfARegisteredValueIsIgnored() {
        assertThat(new SecretRedactor("  padded-secret \n").redact("x padded-secret y"))
                .isEqualTo("x [REDACTED] y");
    }

    @Test
    void base64AtEveryAlignmentInsideALongerBlob() {
        byte[] secret = SECRET.getBytes(StandardCharsets.UTF_8);
        for (int before = 0; before < 6; before++) {
            for (int after = 0; after < 3; after++) {
                byte[] blob = new byte[before + secret.length + after];
                for (int i = 0; i < blob.length; i++) {
                    blob[i] = (byte) (i * 37 + 11);
                }
                System.arraycopy(secret, 0, blob, before, secret.length);
                for (Base64.Encoder encoder : new Base64.Encoder[] {Base64.getEncoder(), Base64.getUrlEncoder()}) {
                    String encoded = encoder.encodeToString(blob);
                    String redacted = redactor.redact("payload: " + encoded + " end");
                    assertThat(redacted)
                            .as("offset %d, %d after", before, after)
                            .contains(SecretRedactor.MASK);
                    // What is left can no longer be decoded back into the secret.
                    assertThat(redacted.replace(SecretRedactor.MASK, "").length())
                            .isLessThan(("payload: " + encoded + " end").length() - (secret.length * 4 / 3) + 4);
                }
            }
        }
    }

    @Test
    void plainBase64OfTheWholeValue() {
        String encoded = Base64.getEncoder().encodeToString(SECRET.getBytes(StandardCharsets.UTF_8));
        assertThat(redactor.redact("auth " + encoded)).isEqualTo("auth [REDACTED]");
    }

    @Test
    void urlEncodings() {
        String secret = "p@ss word~/x&y=z";
        SecretRedactor urls = new SecretRedactor(secret);
        String plus = URLEncoder.encode(secret, StandardCharsets.UTF_8);
        String percent20 = "p%40ss%20word~%2Fx%26y%3Dz";
        assertThat(urls.redact("https://h/?t=" + plus + "&a=1")).isEqualTo("https://h/?t=[REDACTED]&a=1");
        assertThat(urls.redact("https://h/?t=" + percent20)).isEqualTo("https://h/?t=[REDACTED]");
    }

    @Test
    void jsonEscapedForms() {
        assertThat(redactor.redact("{\"t\":\"s3cr3t-Value/with+odd&chars=\\\"q\\\"\\\\x\"}"))
                .isEqualTo("{\"t\":\"[REDACTED]\"}");
        assertThat(redactor.redact("{\"t\":\"s3cr3t-Value\\/with+odd&chars=\\\"q\\\"\\\\x\"}"))
                .isEqualTo("{\"t\":\"[REDACTED]\"}");
        SecretRedactor control = new SecretRedactor("line1\nline2\u0001é-tail");
        assertThat(control.redact("{\"v\":\"line1\\nline2\\u0001é-tail\"}")).isEqualTo("{\"v\":\"[REDACTED]\"}");
        assertThat(control.redact("{\"v\":\"line1\\nline2\\u0001\\u00e9-tail\"}"))
                .isEqualTo("{\"v\":\"[REDACTED]\"}");
    }

    @Test
    void shortValuesAreNotRegistered() {
        SecretRedactor shortOnes = new SecretRedactor("abc", "12345");
        assertThat(shortOnes.literalForms()).isEmpty();
        assertThat(shortOnes.redact("abc 12345 abcdef")).isEqualTo("abc 12345 abcdef");
    }

    @Test
    void gitHubTokens() {
        String classic = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8";
        assertThat(redactor.redact("GH=" + classic)).isEqualTo("GH=[REDACTED]");
        assertThat(redactor.redact("ghs_abcdefghijklmnopqrstuvwxyz0123 x")).isEqualTo("[REDACTED] x");
        assertThat(redactor.redact("https://x-access-token:gho_abcdefghijklmnopqrstuvwxyz0123@github.com/o/r"))
                .isEqualTo("https://x-access-token:[REDACTED]@github.com/o/r");
        assertThat(redactor.redact("github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz"))
                .isEqualTo("[REDACTED]");
    }

    @Test
    void openAiAndAnthropicKeys() {
        assertThat(redactor.redact("OPENAI_API_KEY=sk-proj-Abc123_def456-GHI789jkl012MNO345"))
                .isEqualTo("OPENAI_API_KEY=[REDACTED]");
        assertThat(redactor.redact("key sk-Abc123def456GHI789jkl012MNO345")).isEqualTo("key [REDACTED]");
        assertThat(redactor.redact("x-api-key: sk-ant-api03-AbCdEf0123456789_AbCdEf0123456789-xyz"))
                .isEqualTo("x-api-key: [REDACTED]");
    }

    @Test
    void awsKeys() {
        assertThat(redactor.redact("AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE")).isEqualTo("AWS_ACCESS_KEY_ID=[REDACTED]");
        assertThat(redactor.redact("id ASIAY34FZKBOKMUTVV7A,")).isEqualTo("id [REDACTED],");
        assertThat(redactor.redact("aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"))
                .isEqualTo("aws_secret_access_key = [REDACTED]");
        assertThat(redactor.redact("AWS_SECRET_ACCESS_KEY=\"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\""))
                .isEqualTo("AWS_SECRET_ACCESS_KEY=\"[REDACTED]\"");
    }

    @Test
    void bearerTokens() {
        assertThat(redactor.redact("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig_-x"))
                .isEqualTo("Authorization: Bearer [REDACTED]");
        assertThat(redactor.redact("curl -H 'authorization: bearer abcdefghijklmnop1234'"))
                .isEqualTo("curl -H 'authorization: bearer [REDACTED]'");
    }

    @Test
    void privateKeyBlocks() {
        String block =
                "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n"
                        + "QyNTUxOQAAACBy9z7Xh0aPd1wYBfQz3ZgdqVQm6TnVJZbBqEw2lYb3TwAAAJjZ\n-----END OPENSSH PRIVATE KEY-----";
        assertThat(redactor.redact("before\n" + block + "\nafter")).isEqualTo("before\n[REDACTED]\nafter");
        // No END line in reach: the body that follows is masked all the same.
        assertThat(redactor.redact("-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA0Z3VS5JJcds3xfn/ygWyF8\n"))
                .isEqualTo("[REDACTED]");
    }

    @Test
    void ordinaryTextIsLeftAlone() {
        String[] texts = {
            "[INFO] Building task-runner 1.0-SNAPSHOT",
            "risk-management-framework-overview-and-more",
            "sk-short and ask-me-anything",
            "the sk- prefix alone",
            "uses a Bearer token; Bearer authentication header",
            "commit 3f9a1c2e4b5d6f7081928374655647382910abcd",
            "data: " + Base64.getEncoder().encodeToString("unrelated binary payload 0123456789".getBytes()),
            "AKIA is a prefix, AKIAshort, BAKIAIOSFODNN7EXAMPLEX",
            "-----BEGIN PUBLIC KEY-----",
            "",
        };
        for (String text : texts) {
            assertThat(redactor.redact(text)).isEqualTo(text);
        }
        assertThat(redactor.redact(null)).isNull();
    }

    @Test
    void overlappingMatchesBecomeOneMask() {
        SecretRedactor overlapping = new SecretRedactor("abcdef-123456", "123456-ghijkl");
        assertThat(overlapping.redact("x abcdef-123456-ghijkl y")).isEqualTo("x [REDACTED] y");
    }

    @Test
    void aStreamCatchesASecretSplitAcrossChunks() {
        StreamingRedactor stream = redactor.streaming();
        String text = "x".repeat(20_000) + " second-sec" + "ret-123 and ghp_a1B2c3D4e5F6g7H8i9J0" + "k1L2 tail";
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < text.length(); i += 7) {
            out.append(stream.push(text.substring(i, Math.min(text.length(), i + 7))));
        }
        out.append(stream.flush());
        assertThat(out.toString()).isEqualTo("x".repeat(20_000) + " [REDACTED] and [REDACTED] tail");
    }

    @Test
    void aStreamHoldsBackOnlyABoundedTail() {
        StreamingRedactor stream = redactor.streaming();
        String emitted = stream.push("y".repeat(100_000));
        assertThat(emitted.length()).isGreaterThanOrEqualTo(100_000 - redactor.maxMatchLength());
        assertThat(emitted + stream.flush()).isEqualTo("y".repeat(100_000));
        assertThat(stream.flush()).isEmpty();
    }
}
