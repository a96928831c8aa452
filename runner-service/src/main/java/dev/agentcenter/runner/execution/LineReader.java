package dev.agentcenter.runner.execution;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * Splits a byte stream into UTF-8 lines, in bounded memory whatever the lines' length. Invalid UTF-8 becomes U+FFFD;
 * {@code \r\n} ends a line like {@code \n}; a final line without a terminator is delivered too.
 *
 * <p>A line of at most {@code maxLineBytes} is delivered whole ({@link Lines#line}). A longer one is delivered once,
 * at its end, as its first {@code headBytes} (cut between characters, never inside one) together with its full length
 * ({@link Lines#longLine}); the bytes past the head are read and dropped, and reported as they are read ({@link
 * Lines#skipped}) so that a line without end can still be counted. The head is longer than {@code maxLineBytes} so
 * that the consumer can redact a secret that straddles the cut before it cuts the line itself.
 */
final class LineReader {

    /** What a reader delivers. Called on the reading thread, in stream order. */
    interface Lines {
        void line(String line);

        /** A line longer than the limit: its first bytes, and its length in bytes (without the terminator). */
        void longLine(String head, long length);

        /** Bytes of the current over-long line that are dropped (past the head), as they are read. */
        default void skipped(int bytes) {}
    }

    private final int maxLineBytes;
    private final Lines emit;
    private final byte[] line;
    /** Bytes of the current line held in {@link #line}. */
    private int held;
    /** Bytes of the current line so far, held or not. */
    private long length;

    private boolean endsWithCarriageReturn;

    /**
     * @param maxLineBytes lines up to this many bytes are delivered whole
     * @param headBytes how much of a longer line is kept (at least {@code maxLineBytes})
     */
    LineReader(int maxLineBytes, int headBytes, Lines emit) {
        if (headBytes < maxLineBytes) {
            throw new IllegalArgumentException("headBytes < maxLineBytes");
        }
        this.maxLineBytes = maxLineBytes;
        this.emit = emit;
        this.line = new byte[headBytes];
    }

    /** Every line as text: an over-long line's head counts as a line; the dropped part is not reported. */
    LineReader(int maxLineBytes, Consumer<String> emit) {
        this(maxLineBytes, maxLineBytes, new Lines() {
            @Override
            public void line(String line) {
                emit.accept(line);
            }

            @Override
            public void longLine(String head, long length) {
                emit.accept(head);
            }
        });
    }

    /** Reads {@code in} to its end. */
    void pump(InputStream in) throws IOException {
        byte[] buffer = new byte[8192];
        int read;
        while ((read = in.read(buffer)) != -1) {
            accept(buffer, read);
        }
        if (length > 0) {
            endLine();
        }
    }

    void accept(byte[] buffer, int count) {
        int skipped = 0;
        for (int i = 0; i < count; i++) {
            byte b = buffer[i];
            if (b == '\n') {
                if (skipped > 0) {
                    emit.skipped(skipped);
                    skipped = 0;
                }
                endLine();
                continue;
            }
            length++;
            endsWithCarriageReturn = b == '\r';
            if (held < line.length) {
                line[held++] = b;
            } else {
                skipped++;
            }
        }
        if (skipped > 0) {
            emit.skipped(skipped);
        }
    }

    private void endLine() {
        long total = endsWithCarriageReturn ? length - 1 : length;
        if (total <= maxLineBytes) {
            emit.line(new String(line, 0, (int) total, StandardCharsets.UTF_8));
        } else {
            int keep = (int) Math.min(held, total);
            emit.longLine(new String(line, 0, characterBoundary(line, keep), StandardCharsets.UTF_8), total);
        }
        held = 0;
        length = 0;
        endsWithCarriageReturn = false;
    }

    /**
     * The end of the last complete UTF-8 sequence within {@code bytes[0..length)}, so a multi-byte character is not
     * split by a cut there.
     */
    static int characterBoundary(byte[] bytes, int length) {
        int lead = length - 1;
        int continuation = 0;
        while (lead >= 0 && continuation < 3 && (bytes[lead] & 0xC0) == 0x80) {
            lead--;
            continuation++;
        }
        if (lead < 0 || (bytes[lead] & 0x80) == 0) {
            return length;
        }
        int expected;
        if ((bytes[lead] & 0xE0) == 0xC0) {
            expected = 2;
        } else if ((bytes[lead] & 0xF0) == 0xE0) {
            expected = 3;
        } else if ((bytes[lead] & 0xF8) == 0xF0) {
            expected = 4;
        } else {
            return length; // not a lead byte: invalid anyway, cut anywhere
        }
        return length - lead < expected && lead > 0 ? lead : length;
    }
}
