package dev.agentcenter.runner.execution;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LineReaderTest {

    @Test
    void aLineOfExactlyTheLimitIsOneLine() throws Exception {
        assertThat(read(8, "12345678\nab")).containsExactly("12345678", "ab");
    }

    @Test
    void aLongerLineIsCutIntoPiecesOfTheLimit() throws Exception {
        assertThat(read(4, "123456789\n")).containsExactly("1234", "5678", "9");
    }

    @Test
    void aCutNeverSplitsACharacter() throws Exception {
        // "a€€": '€' is 3 bytes, so a cut after 4 bytes would fall inside the second '€'.
        assertThat(read(5, "a€€b\n")).containsExactly("a€", "€b");
    }

    @Test
    void carriageReturnsBeforeNewlinesAreDroppedOthersKept() throws Exception {
        assertThat(read(64, "a\r\nb\rc\n\r\n")).containsExactly("a", "b\rc", "");
    }

    @Test
    void emptyInputHasNoLines() throws Exception {
        assertThat(read(64, "")).isEmpty();
    }

    private static List<String> read(int max, String input) throws Exception {
        List<String> lines = new ArrayList<>();
        new LineReader(max, lines::add).pump(new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)));
        return lines;
    }
}
