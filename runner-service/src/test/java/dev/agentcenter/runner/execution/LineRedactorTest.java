package dev.agentcenter.runner.execution;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LineRedactorTest {

    private static final String SECRET = "registered-secret-value-42";
    private final SecretRedactor redactor = new SecretRedactor(SECRET);

    @Test
    void aSecretAcrossTheCutOfAnOverLongLineIsCaught() throws Exception {
        for (int shift = -20; shift <= 20; shift += 5) {
            // The reader cuts this line at MAX_LINE_BYTES, which falls inside the secret (or the token).
            String longLine = "x".repeat(ShellCommand.MAX_LINE_BYTES - 10 + shift) + SECRET + " é "
                    + "y".repeat(ShellCommand.MAX_LINE_BYTES - 30) + " ghp_abcdefghijklmnopqrstuvwxyz0123456789 "
                    + "z".repeat(100);
            List<String> events = read("before " + SECRET + "\n" + longLine + "\nafter\n");

            assertThat(events.getFirst()).isEqualTo("before [REDACTED]");
            assertThat(events.getLast()).isEqualTo("after");
            String middle = String.join("", events.subList(1, events.size() - 1));
            assertThat(middle).isEqualTo(redactor.redact(longLine)).doesNotContain("secret-value", "ghp_");
            assertThat(events.size()).isGreaterThan(3);
        }
    }

    @Test
    void ordinaryLinesAreRedactedOneByOneAndBlankOnesKept() throws Exception {
        assertThat(read("a " + SECRET + "\n\nb\n")).containsExactly("a [REDACTED]", "", "b");
    }

    @Test
    void onlyLinesOfAboutTheCutSizeCountAsPieces() {
        assertThat(LineRedactor.isPiece("a".repeat(ShellCommand.MAX_LINE_BYTES - 4)))
                .isFalse();
        assertThat(LineRedactor.isPiece("a".repeat(ShellCommand.MAX_LINE_BYTES - 3)))
                .isTrue();
        assertThat(LineRedactor.isPiece("€".repeat(ShellCommand.MAX_LINE_BYTES / 3)))
                .isTrue();
    }

    private List<String> read(String output) throws Exception {
        LineRedactor lines = new LineRedactor(redactor);
        List<String> events = new ArrayList<>();
        new LineReader(ShellCommand.MAX_LINE_BYTES, line -> {
                    String text = lines.line(line);
                    if (text != null) {
                        events.add(text);
                    }
                })
                .pump(new ByteArrayInputStream(output.getBytes(StandardCharsets.UTF_8)));
        return events;
    }
}
