package dev.agentcenter.runner.execution;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * Splits a byte stream into UTF-8 lines. Works on bytes rather than a {@code Reader} so that an over-long line can be
 * cut at {@link ShellCommand#MAX_LINE_BYTES} without buffering it whole, and cut between characters, never inside one.
 * Invalid UTF-8 becomes U+FFFD; {@code \r\n} ends a line like {@code \n}; a final line without a terminator is
 * delivered too.
 */
final class LineReader {

    private final int maxLineBytes;
    private final Consumer<String> emit;
    private final byte[] line;
    private int length;

    LineReader(int maxLineBytes, Consumer<String> emit) {
        this.maxLineBytes = maxLineBytes;
        this.emit = emit;
        this.line = new byte[maxLineBytes];
    }

    /** Reads {@code in} to its end. */
    void pump(InputStream in) throws IOException {
        byte[] buffer = new byte[8192];
        int read;
        while ((read = in.read(buffer)) != -1) {
            accept(buffer, read);
        }
        if (length > 0) {
            emitLine(length);
        }
    }

    void accept(byte[] buffer, int count) {
        for (int i = 0; i < count; i++) {
            byte b = buffer[i];
            if (b == '\n') {
                emitLine(length);
                continue;
            }
            // Cut lazily, on the byte after a full buffer: a line of exactly maxLineBytes then yields no empty piece.
            if (length == maxLineBytes) {
                emitPiece();
            }
            line[length++] = b;
        }
    }

    private void emitLine(int end) {
        int stop = end > 0 && line[end - 1] == '\r' ? end - 1 : end;
        emit.accept(new String(line, 0, stop, StandardCharsets.UTF_8));
        length = 0;
    }

    private void emitPiece() {
        int cut = characterBoundary();
        emit.accept(new String(line, 0, cut, StandardCharsets.UTF_8));
        int rest = length - cut;
        System.arraycopy(line, cut, line, 0, rest);
        length = rest;
    }

    /** The end of the last complete UTF-8 sequence, so a multi-byte character is not split across two pieces. */
    private int characterBoundary() {
        int lead = length - 1;
        int continuation = 0;
        while (lead >= 0 && continuation < 3 && (line[lead] & 0xC0) == 0x80) {
            lead--;
            continuation++;
        }
        if (lead < 0 || (line[lead] & 0x80) == 0) {
            return length;
        }
        int expected;
        if ((line[lead] & 0xE0) == 0xC0) {
            expected = 2;
        } else if ((line[lead] & 0xF0) == 0xE0) {
            expected = 3;
        } else if ((line[lead] & 0xF8) == 0xF0) {
            expected = 4;
        } else {
            return length; // not a lead byte: invalid anyway, cut anywhere
        }
        return length - lead < expected && lead > 0 ? lead : length;
    }
}
