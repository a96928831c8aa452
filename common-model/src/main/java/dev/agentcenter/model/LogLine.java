package dev.agentcenter.model;

import java.time.Instant;

/**
 * One output line of a run.
 *
 * @param sequence the sequence of its {@code run.log} event
 * @param stream {@code stdout} or {@code stderr}
 * @param commandIndex index of the command in the run's config that printed it
 * @param line the line as stored: a line longer than the runner's limit (64 KiB of UTF-8) is stored cut
 * @param truncated the line was longer than the limit and is stored cut
 * @param originalLength the line's length in bytes when it was cut (for a line its run was stopped in the middle of,
 *     the bytes read until then), else {@code null}
 */
public record LogLine(
        long sequence,
        String stream,
        Integer commandIndex,
        String line,
        Instant createdAt,
        boolean truncated,
        Long originalLength) {

    /** A line stored whole. */
    public LogLine(long sequence, String stream, Integer commandIndex, String line, Instant createdAt) {
        this(sequence, stream, commandIndex, line, createdAt, false, null);
    }
}
