package dev.agentcenter.runner.execution;

import java.util.ArrayList;
import java.util.List;

/**
 * Redacts one output stream chunk by chunk, so that a secret split across reads (or across the pieces of an over-long
 * line) is still caught. It holds back the last {@code maxMatchLength - 1} characters, which may be the start of a
 * secret, until more output or {@link #flush()} shows what they are; a match that would straddle the emitted part is
 * held back whole. The concatenated output equals {@link SecretRedactor#redact} of the concatenated input.
 *
 * <p>To keep the cost linear it only scans once at least twice the hold-back is pending, so output is delayed by up
 * to that much text (about 12,000 characters, set by the private-key rule) until {@link #flush()}. Not thread-safe: one per stream.
 */
public final class StreamingRedactor {

    /** One character before the pending text is kept: the "not preceded by a word character" check needs it. */
    private static final int CONTEXT = 1;

    private final SecretRedactor redactor;
    private final int holdBack;
    private final StringBuilder buffer = new StringBuilder();
    /** How many leading characters of {@link #buffer} are context, already emitted. */
    private int context;

    StreamingRedactor(SecretRedactor redactor) {
        this.redactor = redactor;
        this.holdBack = redactor.maxMatchLength() - 1;
    }

    /** Adds a chunk and returns what is now safe to emit, possibly empty. */
    public String push(String chunk) {
        if (chunk == null || chunk.isEmpty()) {
            return "";
        }
        buffer.append(chunk);
        if (buffer.length() - context < 2 * holdBack) {
            return "";
        }
        String text = buffer.toString();
        // A match starting before the cut has all of its (bounded) length in the buffer, so it is found whole.
        int cut = text.length() - holdBack;
        List<SecretRedactor.Match> matches = redactor.find(text, context);
        boolean moved = true;
        while (moved) {
            moved = false;
            for (SecretRedactor.Match match : matches) {
                if (match.start() < cut && match.end() > cut) {
                    cut = match.start();
                    moved = true;
                }
            }
        }
        List<SecretRedactor.Match> before = new ArrayList<>();
        for (SecretRedactor.Match match : matches) {
            if (match.end() <= cut) {
                before.add(match);
            }
        }
        String out = SecretRedactor.apply(text, context, cut, before);
        int keepFrom = Math.max(cut - CONTEXT, 0);
        buffer.delete(0, keepFrom);
        context = cut - keepFrom;
        return out;
    }

    /** Returns the rest, redacted, at the end of the stream. The redactor can be reused afterwards. */
    public String flush() {
        String text = buffer.toString();
        String out = context == text.length()
                ? ""
                : SecretRedactor.apply(text, context, text.length(), redactor.find(text, context));
        buffer.setLength(0);
        context = 0;
        return out;
    }
}
