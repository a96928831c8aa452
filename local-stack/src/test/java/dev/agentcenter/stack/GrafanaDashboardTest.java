package dev.agentcenter.stack;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code docs/grafana-dashboard.json} is valid JSON and queries only meters the services register: a renamed meter
 * would leave an empty panel nobody notices.
 */
class GrafanaDashboardTest {

    private static final Pattern METRIC = Pattern.compile("\\bagentcenter_[a-z_]+");
    /** What the Prometheus registry appends to a meter's name. */
    private static final Pattern SUFFIX = Pattern.compile("(_seconds)?(_bucket|_count|_sum|_total|_max)?$");

    @Test
    void everyPanelQueriesAMeterTheServicesRegister() throws IOException {
        Path root = Path.of("").toAbsolutePath();
        if (!Files.exists(root.resolve("docs"))) {
            root = root.getParent();
        }
        JsonNode dashboard =
                JsonMapper.builder().build().readTree(Files.readString(root.resolve("docs/grafana-dashboard.json")));
        assertThat(dashboard.get("uid").asString()).isEqualTo("agent-center");

        Set<String> queried = new TreeSet<>();
        for (JsonNode panel : dashboard.get("panels")) {
            assertThat(panel.get("targets"))
                    .as("targets of %s", panel.get("title"))
                    .isNotEmpty();
            for (JsonNode target : panel.get("targets")) {
                Matcher matcher = METRIC.matcher(target.get("expr").asString());
                while (matcher.find()) {
                    queried.add(SUFFIX.matcher(matcher.group()).replaceFirst("").replace('_', '.'));
                }
            }
        }
        String sources;
        try (Stream<Path> walk = Files.walk(root)) {
            sources = walk.filter(path -> path.toString().endsWith(".java")
                            && path.toString().contains("/src/main/java/")
                            && !path.toString().contains("/target/"))
                    .map(GrafanaDashboardTest::read)
                    .collect(Collectors.joining("\n"));
        }
        assertThat(queried)
                .contains(
                        "agentcenter.queue.depth",
                        "agentcenter.queue.to.dispatch",
                        "agentcenter.run.dispatch.to.start",
                        "agentcenter.run.duration",
                        "agentcenter.run.events.written",
                        "agentcenter.realtime.subscribers",
                        "agentcenter.redaction.hits",
                        "agentcenter.budget.stops",
                        "agentcenter.listen.reconnects",
                        "agentcenter.sandbox.limit.hits");
        for (String meter : queried) {
            assertThat(sources).as("a service registers %s", meter).contains("\"" + meter + "\"");
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
