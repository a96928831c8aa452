package dev.agentcenter.stack;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;

/**
 * One launcher per data directory: an OS file lock on {@code <data>/launcher.lock}, which holds the launcher's pid
 * (what {@code status} reads). The lock goes with the process, so a launcher killed with SIGKILL leaves none behind.
 */
final class LauncherLock {

    private FileChannel channel; // open, and locked, for the life of the launcher once acquired

    /** Creates the data directory (owner only: it holds the database and the generated secrets) if missing. */
    static void prepareDataDir(Path dataDir) throws IOException {
        if (!Files.isDirectory(dataDir)) {
            Files.createDirectories(dataDir);
            Files.setPosixFilePermissions(dataDir, PosixFilePermissions.fromString("rwx------"));
        }
    }

    /** Takes the data directory's launcher lock; returns the holder's pid when another launcher has it. */
    synchronized Optional<String> acquire(Path dataDir) throws IOException {
        Path lockFile = dataDir.resolve("launcher.lock");
        FileChannel opened = FileChannel.open(
                lockFile, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = opened.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null; // another launcher in this very JVM (tests)
        }
        if (lock == null) {
            opened.close();
            return Optional.of(Files.readString(lockFile).strip());
        }
        opened.truncate(0);
        opened.write(StandardCharsets.UTF_8.encode(
                Long.toString(ProcessHandle.current().pid())));
        channel = opened;
        return Optional.empty();
    }

    synchronized void release() {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException e) {
                // the lock goes with the process anyway
            }
            channel = null;
        }
    }
}
