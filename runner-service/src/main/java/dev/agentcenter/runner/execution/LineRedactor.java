package dev.agentcenter.runner.execution;

import java.nio.charset.StandardCharsets;

/**
 * Redacts the output lines {@link ShellCommand} delivers. A line is redacted on its own. An over-long line arrives as
 * its start, {@link ShellCommand#LONG_LINE_LOOKAHEAD_BYTES} longer than the limit it is stored at: it is redacted
 * first and cut to the limit afterwards ({@link #head}), so a secret that straddles the cut is masked, not left
 * half-visible.
 */
public final class LineRedactor {

    private final SecretRedactor redactor;

    public LineRedactor(SecretRedactor redactor) {
        this.redactor = redactor;
    }

    /** The redacted line. */
    public String line(String line) {
        return redactor.redact(line);
    }

    /** The start of an over-long line, redacted, then cut to at most {@code maxBytes} bytes of UTF-8. */
    public String head(String head, int maxBytes) {
        return cut(redactor.redact(head), maxBytes);
    }

    /** {@code text} cut to at most {@code maxBytes} bytes of UTF-8, between characters. */
    public static String cut(String text, int maxBytes) {
        if ((long) text.length() * 3 <= maxBytes) {
            return text; // a UTF-16 char is at most 3 bytes: short enough without counting
        }
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        if (bytes.length <= maxBytes) {
            return text;
        }
        return new String(bytes, 0, LineReader.characterBoundary(bytes, maxBytes), StandardCharsets.UTF_8);
    }
}
