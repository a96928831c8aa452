package dev.agentcenter.model;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * The workspace changes of a run, new files included, as computed by its runner when the run ended.
 *
 * @param available {@code false} until the runner has stored the diff (or when the run never got a workspace)
 * @param truncated {@code true} when the patch was cut to the size limit
 */
public record RunDiff(
        UUID runId,
        boolean available,
        List<FileChange> files,
        Stats stats,
        String patch,
        boolean truncated,
        Instant createdAt) {

    /**
     * One changed file.
     *
     * @param status {@code added}, {@code modified}, {@code deleted} or {@code renamed}
     */
    public record FileChange(String path, String status, int additions, int deletions) {}

    /** Totals over all files. */
    public record Stats(int filesChanged, int additions, int deletions) {}
}
