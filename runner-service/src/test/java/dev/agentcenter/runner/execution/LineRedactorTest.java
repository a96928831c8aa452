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
    void aSecretAcrossTheCutOfAnOverLongLineIsRedactedBeforeTheCut() throws Exception {
        int max = ShellCommand.MAX_LINE_BYTES;
        for (int shift = -30; shift <= 30; shift += 5) {
            // The line is stored cut at MAX_LINE_BYTES, which falls inside the secret or the token.
            for (String secret : List.of(SECRET, "ghp_abcdefghijklmnopqrstuvwxyz0123456789")) {
                String longLine = "x".repeat(max - 10 + shift) + " " + secret + " é " + "y".repeat(max) + "z";
                List<String> events = read("before " + SECRET + "\n" + longLine + "\nafter\n");

                assertThat(events).hasSize(3);
                assertThat(events.getFirst()).isEqualTo("before [REDACTED]");
                assertThat(events.getLast()).isEqualTo("after");
                String stored = events.get(1);
                assertThat(stored.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(max);
                assertThat(stored).doesNotContain("secret-val", "ghp_abc").startsWith("xxxx");
                String redacted = redactor.redact(longLine);
                assertThat(redacted).startsWith(stored);
            }
        }
    }

    @Test
    void ordinaryLinesAreRedactedOneByOneAndBlankOnesKept() throws Exception {
        assertThat(read("a " + SECRET + "\n\nb\n")).containsExactly("a [REDACTED]", "", "b");
    }

    @Test
    void cutKeepsWholeCharacters() {
        assertThat(LineRedactor.cut("a€€", 5)).isEqualTo("a€");
        assertThat(LineRedactor.cut("a€€", 7)).isEqualTo("a€€");
        assertThat(LineRedactor.cut("😀😀", 6)).isEqualTo("😀");
    }

    private List<String> read(String output) throws Exception {
        LineRedactor lines = new LineRedactor(redactor);
        List<String> events = new ArrayList<>();
        new LineReader(
                        ShellCommand.MAX_LINE_BYTES,
                        ShellCommand.MAX_LINE_BYTES + ShellCommand.LONG_LINE_LOOKAHEAD_BYTES,
                        new LineReader.Lines() {
                            @Override
                            public void line(String line) {
                                events.add(lines.line(line));
                            }

                            @Override
                            public void longLine(String head, long length) {
                                events.add(lines.head(head, ShellCommand.MAX_LINE_BYTES));
                            }
                        })
                .pump(new ByteArrayInputStream(output.getBytes(StandardCharsets.UTF_8)));
        return events;
    }
}
