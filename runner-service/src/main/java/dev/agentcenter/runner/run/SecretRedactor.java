package dev.agentcenter.runner.run;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Removes secrets from output lines and messages before they are stored: the run's known secret values (and
 * their base64 and URL encodings), and anything shaped like a GitHub, OpenAI, Anthropic or AWS token.
 */
final class SecretRedactor {

    static final String MASK = "[REDACTED]";

    private static final Pattern TOKEN_SHAPES =
            Pattern.compile("gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|sk-ant-[A-Za-z0-9_-]{20,}"
                    + "|sk-(?:proj-)?[A-Za-z0-9_-]{20,}|AKIA[0-9A-Z]{16}");

    private final Set<String> values = new LinkedHashSet<>();

    /** Redacts these values (ignores blanks and values too short to be secrets). */
    SecretRedactor(String... secrets) {
        for (String secret : secrets) {
            if (secret != null && secret.strip().length() >= 6) {
                String value = secret.strip();
                values.add(value);
                values.add(Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8)));
                values.add(URLEncoder.encode(value, StandardCharsets.UTF_8));
            }
        }
    }

    String redact(String text) {
        if (text == null || text.isEmpty()) {
            return text;
        }
        String result = text;
        for (String value : values) {
            if (result.contains(value)) {
                result = result.replace(value, MASK);
            }
        }
        return TOKEN_SHAPES.matcher(result).replaceAll(MASK);
    }
}
