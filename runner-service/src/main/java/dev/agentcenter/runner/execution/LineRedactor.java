package dev.agentcenter.runner.execution;

import java.nio.charset.StandardCharsets;

/**
 * Redacts the lines of one output stream as {@link ShellCommand} delivers them. A line is redacted on its own, except
 * that an over-long line arrives cut into pieces of about {@link ShellCommand#MAX_LINE_BYTES}: those go through a
 * {@link StreamingRedactor} until the line's last piece, so a secret across a cut is still caught. Such a line's text
 * then comes out in differently cut events (a bounded tail is held back to the next one), none of it lost.
 *
 * <p>A piece is recognised by its size alone (the reader cuts at most 3 bytes short of the limit), so a real line of
 * that exact size is taken for a piece too: its end then comes out at the start of the next line's event. Since the
 * reader always delivers something after a piece, no flush is needed. Not thread-safe: one per stream.
 */
public final class LineRedactor {

    private static final int SHORTEST_PIECE = ShellCommand.MAX_LINE_BYTES - 3;

    private final SecretRedactor redactor;
    private final StreamingRedactor stream;
    private boolean inLongLine;

    public LineRedactor(SecretRedactor redactor) {
        this.redactor = redactor;
        this.stream = redactor.streaming();
    }

    /** The redacted text to emit for this line, or {@code null} when nothing is safe to emit yet. */
    public String line(String line) {
        if (isPiece(line)) {
            inLongLine = true;
            String out = stream.push(line);
            return out.isEmpty() ? null : out;
        }
        if (!inLongLine) {
            return redactor.redact(line);
        }
        inLongLine = false;
        return stream.push(line) + stream.flush();
    }

    static boolean isPiece(String line) {
        // A UTF-16 char is at most 3 UTF-8 bytes: most lines are too short to need counting.
        return (long) line.length() * 3 >= SHORTEST_PIECE
                && line.getBytes(StandardCharsets.UTF_8).length >= SHORTEST_PIECE;
    }
}
