package dev.agentcenter.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tukaani.xz.LZMA2Options;
import org.tukaani.xz.XZOutputStream;

class PostgresBinariesTest {

    private static final String ARCHIVE = "postgres-linux-x86_64.txz";

    @TempDir
    Path root;

    @Test
    void extractsOnceIntoANamedDirectoryAndReusesIt() throws Exception {
        Path binaries = PostgresBinaries.prepare(root);

        assertThat(binaries.getParent()).isEqualTo(root);
        assertThat(binaries.getFileName().toString()).matches("PG-[0-9a-f]{16}");
        assertThat(binaries.resolve("bin/pg_ctl")).isExecutable();
        assertThat(binaries.resolve("bin/initdb")).isExecutable();
        assertThat(stagingDirectories()).isEmpty();

        Path marker = Files.writeString(binaries.resolve("marker"), "kept");
        assertThat(PostgresBinaries.prepare(root)).isEqualTo(binaries);
        assertThat(marker).exists(); // not extracted again
    }

    @Test
    void aSmallHeapIsEnough() throws Exception {
        // The launcher runs with -Xmx64m; the library's extraction needed more than that and died.
        Process child = ExtractingProcess.start(List.of("-Xmx32m"), root.toString());
        String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

        assertThat(child.waitFor(2, TimeUnit.MINUTES)).isTrue();
        assertThat(child.exitValue()).as(output).isZero();
        assertThat(Path.of(output.strip().lines().reduce((a, b) -> b).orElseThrow())
                        .resolve("bin/postgres"))
                .isExecutable();
    }

    @Test
    void anExtractionKilledHalfWayDoesNotBlockTheNextOne() throws Exception {
        Process child = ExtractingProcess.start(List.of(), root.toString(), "slow");
        try {
            await().atMost(Duration.ofMinutes(1)).until(() -> hasExtractedSomething(stagingDirectories()));
        } finally {
            child.destroyForcibly(); // SIGKILL: no cleanup of any kind
            child.waitFor(30, TimeUnit.SECONDS);
        }
        assertThat(stagingDirectories())
                .as("left behind by the killed extraction")
                .hasSize(1);
        assertThat(namedDirectories()).as("nothing was renamed into place").isEmpty();

        Path binaries = PostgresBinaries.prepare(root);

        assertThat(binaries.resolve("bin/pg_ctl")).isExecutable();
        assertThat(stagingDirectories()).isEmpty();
    }

    @Test
    void anArchiveThatBreaksOffLeavesNothingUsableAndTheNextTryWorks() throws Exception {
        byte[] archive = realArchive();
        PostgresBinaries.ArchiveSource brokenOnExtraction = new PostgresBinaries.ArchiveSource() {
            int opens;

            @Override
            public InputStream open() {
                return ++opens == 1 ? new ByteArrayInputStream(archive) : new BreaksAfter(archive, archive.length / 2);
            }
        };

        assertThatThrownBy(() -> PostgresBinaries.prepare(root, brokenOnExtraction))
                .isInstanceOf(IOException.class);
        assertThat(namedDirectories()).isEmpty();
        assertThat(stagingDirectories())
                .as("removed by the failed extraction itself")
                .isEmpty();

        Path binaries = PostgresBinaries.prepare(root, () -> new ByteArrayInputStream(archive));
        assertThat(binaries.resolve("bin/postgres")).isExecutable();
        assertThat(stagingDirectories()).isEmpty();
    }

    @Test
    void aHalfWrittenTargetLeftByAnotherToolIsReplaced() throws Exception {
        // What the library left behind after an OutOfMemoryError: the directory with part of lib/ and no bin/.
        Path target = PostgresBinaries.prepare(root);
        PostgresBinaries.deleteRecursively(target);
        Files.createDirectories(target.resolve("lib"));
        Files.writeString(target.resolve("lib/libicuuc.so"), "half");

        assertThat(PostgresBinaries.prepare(root)).isEqualTo(target);
        assertThat(target.resolve("bin/pg_ctl")).isExecutable();
        assertThat(Files.size(target.resolve("lib/libicuuc.so"))).isGreaterThan(4);
    }

    @Test
    void entriesThatEscapeTheDirectoryAreRefused() throws Exception {
        Path outside = root.resolveSibling(root.getFileName() + "-outside");
        for (byte[] hostile : List.of(
                txz(file("../" + outside.getFileName() + "/evil", "x")),
                txz(symlink("bin/escape", "../../../etc")),
                txz(symlink("bin/absolute", "/etc/passwd")))) {
            Path directory = Files.createTempDirectory(root, "x");
            assertThatThrownBy(() -> PostgresBinaries.extract(new ByteArrayInputStream(hostile), directory))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("outside the target directory");
        }
        assertThat(outside).doesNotExist();
    }

    private List<Path> stagingDirectories() throws IOException {
        try (Stream<Path> children = Files.list(root)) {
            return children.filter(path -> path.getFileName().toString().startsWith(".staging-"))
                    .toList();
        }
    }

    private List<Path> namedDirectories() throws IOException {
        try (Stream<Path> children = Files.list(root)) {
            return children.filter(path -> path.getFileName().toString().startsWith("PG-"))
                    .toList();
        }
    }

    private static boolean hasExtractedSomething(List<Path> directories) {
        return directories.stream().anyMatch(directory -> directory.toFile().list().length > 0);
    }

    private static byte[] realArchive() throws IOException {
        try (InputStream in = PostgresBinaries.class.getClassLoader().getResourceAsStream(ARCHIVE)) {
            return in.readAllBytes();
        }
    }

    private record Entry(TarArchiveEntry header, byte[] content) {}

    private static Entry file(String name, String content) {
        TarArchiveEntry header = new TarArchiveEntry(name, true);
        byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
        header.setSize(bytes.length);
        return new Entry(header, bytes);
    }

    private static Entry symlink(String name, String target) {
        TarArchiveEntry header = new TarArchiveEntry(name, TarArchiveEntry.LF_SYMLINK, true);
        header.setLinkName(target);
        return new Entry(header, new byte[0]);
    }

    private static byte[] txz(Entry entry) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new XZOutputStream(bytes, new LZMA2Options()))) {
            tar.putArchiveEntry(entry.header());
            tar.write(entry.content());
            tar.closeArchiveEntry();
        }
        return bytes.toByteArray();
    }

    /** The archive's bytes up to {@code limit}, then a read error, as a dying disk or a killed download gives. */
    private static final class BreaksAfter extends FilterInputStream {
        private long left;

        BreaksAfter(byte[] archive, long limit) {
            super(new ByteArrayInputStream(archive));
            this.left = limit;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            if (left <= 0) {
                throw new IOException("read error half-way");
            }
            int read = super.read(buffer, offset, (int) Math.min(length, left));
            left -= Math.max(read, 0);
            return read;
        }

        @Override
        public int read() throws IOException {
            if (left-- <= 0) {
                throw new IOException("read error half-way");
            }
            return super.read();
        }
    }
}
