package dev.agentcenter.runner.execution;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Random output with registered secrets in every encoding at random positions, cut into random chunks: the streamed
 * result must equal redacting the whole text at once, and no form of any secret may survive.
 */
class StreamingRedactorFuzzTest {

    private static final String ALPHABET =
            "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_/+=&?\"\\ .:@~%é\n\t";
    private static final String[] WORDS = {
        "[INFO]", "Building", "task-runner", "sk-", "ask-me", "ok", "Downloading", "from", "central:", "tests", "run:",
        "12,", "Failures:", "0", "ghp_", "AKIA", "Bearer:", "diff", "--git", "a/src/Main.java", "{\"type\":\"log\"}",
                "+",
        "-", "@@", "=>", "base64:", "risk-assessment-and-management-overview", "BEGIN", "KEY", "\n", "\n", "\t", "é"
    };

    @Test
    void randomChunkingsLeakNothingAndMatchWholeTextRedaction() {
        Random random = new Random(20261124L);
        for (int iteration = 0; iteration < 2_000; iteration++) {
            String[] secrets = {randomSecret(random), randomSecret(random), randomSecret(random)};
            SecretRedactor redactor = new SecretRedactor(secrets);
            // Some texts stay below the point where a stream emits anything before flush(), most go past it.
            int length = random.nextBoolean() ? random.nextInt(3_000) : 12_500 + random.nextInt(8_000);
            String text = randomOutput(random, secrets, length);

            String streamed = stream(redactor, text, random);

            assertThat(streamed).as("iteration %d", iteration).isEqualTo(redactor.redact(text));
            for (String form : redactor.literalForms()) {
                assertThat(streamed).as("iteration %d", iteration).doesNotContain(form);
            }
            for (String secret : secrets) {
                assertThat(streamed).doesNotContain(secret.substring(0, secret.length() / 2 + 3));
            }
        }
    }

    @Test
    void textWithoutSecretsPassesThroughUnchanged() {
        Random random = new Random(7L);
        SecretRedactor redactor = new SecretRedactor(randomSecret(random), randomSecret(random));
        for (int iteration = 0; iteration < 200; iteration++) {
            String text = randomOutput(random, new String[0], random.nextInt(40_000));
            assertThat(stream(redactor, text, random)).isEqualTo(text);
        }
    }

    private static String stream(SecretRedactor redactor, String text, Random random) {
        StreamingRedactor stream = redactor.streaming();
        StringBuilder out = new StringBuilder(text.length());
        int at = 0;
        while (at < text.length()) {
            int end = Math.min(text.length(), at + 1 + random.nextInt(200));
            out.append(stream.push(text.substring(at, end)));
            at = end;
        }
        return out.append(stream.flush()).toString();
    }

    private static String randomSecret(Random random) {
        StringBuilder secret = new StringBuilder();
        int length = 12 + random.nextInt(40);
        while (secret.length() < length) {
            secret.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
        }
        // Keep the ends non-blank: registration strips surrounding whitespace.
        secret.setCharAt(0, 'K');
        secret.setCharAt(secret.length() - 1, 'z');
        return secret.toString();
    }

    private static String randomOutput(Random random, String[] secrets, int length) {
        StringBuilder out = new StringBuilder(length + 200);
        while (out.length() < length) {
            int kind = random.nextInt(12);
            if (secrets.length > 0 && kind < 4) {
                out.append(encoded(random, secrets[random.nextInt(secrets.length)]));
            } else if (kind < 5) {
                byte[] bytes = new byte[1 + random.nextInt(80)];
                random.nextBytes(bytes);
                out.append(Base64.getEncoder().encodeToString(bytes));
            } else {
                out.append(WORDS[random.nextInt(WORDS.length)]);
            }
            out.append(random.nextInt(5) == 0 ? "\n" : " ");
        }
        return out.toString();
    }

    private static String encoded(Random random, String secret) {
        byte[] bytes = secret.getBytes(StandardCharsets.UTF_8);
        return switch (random.nextInt(9)) {
            case 0 -> secret;
            case 1, 2 -> {
                // Inside a longer blob, at a random offset mod 3.
                byte[] blob = new byte[random.nextInt(7) + bytes.length + random.nextInt(7)];
                random.nextBytes(blob);
                int offset = random.nextInt(blob.length - bytes.length + 1);
                System.arraycopy(bytes, 0, blob, offset, bytes.length);
                Base64.Encoder encoder = random.nextBoolean() ? Base64.getEncoder() : Base64.getUrlEncoder();
                yield encoder.encodeToString(blob);
            }
            case 3 -> Base64.getEncoder().encodeToString(bytes);
            case 4 -> URLEncoder.encode(secret, StandardCharsets.UTF_8);
            case 5 -> URLEncoder.encode(secret, StandardCharsets.UTF_8).replace("+", "%20");
            case 6 ->
                "{\"token\":\"" + SecretRedactor.jsonEscape(secret, random.nextBoolean(), random.nextBoolean()) + "\"}";
            case 7 -> "Authorization: Bearer ghp_" + alphanumeric(random, 36);
            default ->
                "sk-ant-api03-" + alphanumeric(random, 30) + " AKIA"
                        + alphanumeric(random, 16).toUpperCase();
        };
    }

    private static String alphanumeric(Random random, int length) {
        String chars = "abcdefghijklmnopqrstuvwxyz0123456789";
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < length; i++) {
            out.append(chars.charAt(random.nextInt(chars.length())));
        }
        return out.toString();
    }
}
