package dev.agentcenter.runner.execution;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LineReaderTest {

    @Test
    void aLineOfExactlyTheLimitIsOneLine() throws Exception {
        assertThat(read(8, 8, "12345678\nab")).containsExactly("12345678", "ab");
    }

    @Test
    void aLongerLineIsDeliveredOnceAsItsHeadAndItsLength() throws Exception {
        assertThat(read(4, 6, "123456789\nnext\n")).containsExactly("long(123456,9)", "next");
    }

    @Test
    void aCutNeverSplitsACharacter() throws Exception {
        // "a€€": '€' is 3 bytes, so a cut after 5 bytes would fall inside the second '€'.
        assertThat(read(4, 5, "a€€b\n")).containsExactly("long(a€,8)");
    }

    @Test
    void carriageReturnsBeforeNewlinesAreDroppedOthersKept() throws Exception {
        assertThat(read(64, 64, "a\r\nb\rc\n\r\n")).containsExactly("a", "b\rc", "");
        assertThat(read(4, 4, "1234\r\n12345\r\n")).containsExactly("1234", "long(1234,5)");
    }

    @Test
    void emptyInputHasNoLines() throws Exception {
        assertThat(read(64, 64, "")).isEmpty();
    }

    @Test
    void aHugeLineIsReadInBoundedMemoryAndItsDroppedBytesAreReported() throws Exception {
        long size = 300L * 1024 * 1024; // far more than this test's heap
        long[] skipped = {0};
        List<String> lines = new ArrayList<>();
        LineReader reader = new LineReader(1024, 2048, new LineReader.Lines() {
            @Override
            public void line(String line) {
                lines.add(line);
            }

            @Override
            public void longLine(String head, long length) {
                lines.add(head.length() + ":" + length);
            }

            @Override
            public void skipped(int bytes) {
                skipped[0] += bytes;
            }
        });
        reader.pump(new InputStream() {
            long left = size;

            @Override
            public int read() {
                return left-- > 0 ? 'x' : left == -1 ? '\n' : -1;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (left < 0) {
                    return -1;
                }
                int n = (int) Math.min(len, left + 1);
                for (int i = 0; i < n; i++) {
                    b[off + i] = left-- > 0 ? (byte) 'x' : (byte) '\n';
                }
                return n;
            }
        });
        assertThat(lines).containsExactly("2048:" + size);
        assertThat(skipped[0]).isEqualTo(size - 2048);
    }

    private static List<String> read(int max, int head, String input) throws Exception {
        List<String> lines = new ArrayList<>();
        new LineReader(max, head, new LineReader.Lines() {
                    @Override
                    public void line(String line) {
                        lines.add(line);
                    }

                    @Override
                    public void longLine(String start, long length) {
                        lines.add("long(" + start + "," + length + ")");
                    }
                })
                .pump(new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)));
        return lines;
    }
}
