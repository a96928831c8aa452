package dev.agentcenter.support;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A JVM of its own that extracts the Postgres binaries, so tests can starve it of heap or kill it half-way.
 * Arguments: {@code <root> [slow]}; {@code slow} reads the archive in small sips so a test can catch it mid-way.
 */
final class ExtractingProcess {

    private ExtractingProcess() {}

    public static void main(String[] args) throws Exception {
        Path root = Path.of(args[0]);
        boolean slow = args.length > 1 && args[1].equals("slow");
        AtomicInteger opens = new AtomicInteger();
        PostgresBinaries.ArchiveSource archive = () -> {
            InputStream in = PostgresBinaries.class.getClassLoader().getResourceAsStream("postgres-linux-x86_64.txz");
            // The first open only names the target; the second one extracts, and that is what tests catch.
            return slow && opens.incrementAndGet() > 1 ? new Sipping(in) : in;
        };
        System.out.println(PostgresBinaries.prepare(root, archive));
    }

    /** Starts {@code java [jvmOptions] ExtractingProcess <args>} with this JVM's class path. */
    static Process start(List<String> jvmOptions, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), ExtractingProcess.class.getName()));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectErrorStream(true).start();
    }

    /** Hands out at most 4 KiB per read, 2 ms apart: the extraction takes seconds instead of one. */
    private static final class Sipping extends FilterInputStream {
        Sipping(InputStream in) {
            super(in);
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            try {
                TimeUnit.MILLISECONDS.sleep(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
            return super.read(buffer, offset, Math.min(length, 4096));
        }
    }
}
