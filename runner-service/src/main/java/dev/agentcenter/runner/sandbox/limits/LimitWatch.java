package dev.agentcenter.runner.sandbox.limits;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * Watches one run against its limits: the cgroup's counters a few times a second (an OOM kill or a refused fork is
 * final), the size of the run's directories every {@link ResourceLimits#diskCheckInterval()}. Reports the first
 * breach once, then stops watching; the caller stops the run ({@link RunCgroup#killAll()}) and fails it.
 */
public final class LimitWatch implements AutoCloseable {

    static final Duration COUNTER_INTERVAL = Duration.ofMillis(200);

    private final RunCgroup cgroup;
    private final List<Path> directories;
    private final ResourceLimits limits;
    private final Consumer<LimitBreach> onBreach;
    private final AtomicBoolean reported = new AtomicBoolean();
    private final Thread thread;
    private volatile LimitBreach breach;

    private LimitWatch(
            RunCgroup cgroup, List<Path> directories, ResourceLimits limits, Consumer<LimitBreach> onBreach) {
        this.cgroup = cgroup;
        this.directories = List.copyOf(directories);
        this.limits = limits;
        this.onBreach = onBreach;
        this.thread = Thread.ofVirtual()
                .name("limits-"
                        + cgroup.directories().values().iterator().next().getFileName())
                .unstarted(this::watch);
    }

    /**
     * Starts watching {@code cgroup} and the disk use of {@code directories} (the workspace, the agent state).
     * {@code onBreach} is called at most once, from the watching thread.
     */
    public static LimitWatch start(
            RunCgroup cgroup, List<Path> directories, ResourceLimits limits, Consumer<LimitBreach> onBreach) {
        LimitWatch watch = new LimitWatch(cgroup, directories, limits, onBreach);
        watch.thread.start();
        return watch;
    }

    /** The breach reported, if any; also checks the counters once more (a breach just before the command ended). */
    public Optional<LimitBreach> breach() {
        if (breach == null) {
            cgroup.breach().ifPresent(this::report);
        }
        return Optional.ofNullable(breach);
    }

    private void watch() {
        long nextDiskCheck = System.nanoTime() + limits.diskCheckInterval().toNanos();
        try {
            while (breach == null) {
                Thread.sleep(COUNTER_INTERVAL);
                Optional<LimitBreach> found = cgroup.breach();
                if (found.isEmpty() && System.nanoTime() - nextDiskCheck >= 0) {
                    if (exceeds(directories, limits.disk().toBytes())) {
                        found = Optional.of(LimitBreach.DISK);
                    }
                    nextDiskCheck =
                            System.nanoTime() + limits.diskCheckInterval().toNanos();
                }
                found.ifPresent(this::report);
            }
        } catch (InterruptedException e) {
            // closed
        }
    }

    private void report(LimitBreach found) {
        if (reported.compareAndSet(false, true)) {
            breach = found;
            onBreach.accept(found);
        }
    }

    /**
     * True when the files under {@code directories} add up to more than {@code limit} bytes (apparent sizes; the walk
     * stops as soon as it knows). Symbolic links are not followed; unreadable parts are skipped.
     */
    static boolean exceeds(List<Path> directories, long limit) {
        long[] total = {0};
        for (Path directory : directories) {
            try {
                Files.walkFileTree(directory, new SimpleFileVisitor<>() {
                    @Override
                    public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
                        total[0] += attributes.size();
                        return total[0] > limit ? FileVisitResult.TERMINATE : FileVisitResult.CONTINUE;
                    }

                    @Override
                    public FileVisitResult visitFileFailed(Path file, IOException e) {
                        return FileVisitResult.CONTINUE;
                    }
                });
            } catch (IOException e) {
                // a directory that vanished counts as empty
            }
            if (total[0] > limit) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void close() {
        thread.interrupt();
    }
}
