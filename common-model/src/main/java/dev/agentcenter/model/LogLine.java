package dev.agentcenter.model;

import java.time.Instant;

/**
 * One output line of a run.
 *
 * @param sequence the sequence of its {@code run.log} event
 * @param stream {@code stdout} or {@code stderr}
 * @param commandIndex index of the command in the run's config that printed it
 */
public record LogLine(long sequence, String stream, Integer commandIndex, String line, Instant createdAt) {}
