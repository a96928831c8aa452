package dev.agentcenter.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The web UI mirrors the event-type catalogue in {@code web-ui/src/api/eventTypes.ts}; this fails when the mirror
 * and {@link RunEventTypes} (or {@link RunStatus#terminal()}) differ.
 */
class RunEventTypesMirrorTest {

    private static final Path MIRROR = Path.of("..", "web-ui", "src", "api", "eventTypes.ts");

    @Test
    void theWebUiMirrorNamesTheSameEventTypes() throws IOException {
        String ts = Files.readString(MIRROR);
        Map<String, String> mirrored = new LinkedHashMap<>();
        Matcher entry = Pattern.compile("^\\s+([A-Z_]+): '([^']+)',$", Pattern.MULTILINE)
                .matcher(ts);
        while (entry.find()) {
            mirrored.put(entry.group(1), entry.group(2));
        }
        Map<String, String> catalogue = new LinkedHashMap<>();
        Matcher constant = Pattern.compile("public static final String (\\w+) = \"([^\"]+)\";")
                .matcher(Files.readString(Path.of("src/main/java/dev/agentcenter/model/RunEventTypes.java")));
        while (constant.find()) {
            catalogue.put(constant.group(1), constant.group(2));
        }
        assertThat(catalogue.values()).containsExactlyElementsOf(RunEventTypes.ALL);
        assertThat(mirrored).containsExactlyEntriesOf(catalogue);
    }

    @Test
    void theWebUiMirrorEndsRunsInTheSameStatuses() throws IOException {
        String ts = Files.readString(MIRROR);
        Matcher set = Pattern.compile("TERMINAL_RUN_STATUSES: ReadonlySet<string> = new Set\\(\\[([^\\]]*)\\]\\)")
                .matcher(ts);
        assertThat(set.find()).as("TERMINAL_RUN_STATUSES in " + MIRROR).isTrue();
        List<String> mirrored = new ArrayList<>();
        Matcher value = Pattern.compile("'([a-z_]+)'").matcher(set.group(1));
        while (value.find()) {
            mirrored.add(value.group(1));
        }
        List<String> terminal = new ArrayList<>();
        for (RunStatus status : RunStatus.values()) {
            if (status.terminal()) {
                terminal.add(status.wire());
            }
        }
        assertThat(mirrored).containsExactlyInAnyOrderElementsOf(terminal);
        assertThat(RunEventTypes.TERMINAL)
                .containsExactlyInAnyOrderElementsOf(
                        terminal.stream().map(s -> "run." + s).toList());
    }
}
