package dev.agentcenter.stack;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * Keeps {@code docker-compose.yml}, {@code .env.example}, the services' {@code application.yml} and the launcher
 * in agreement: the same ports, and every variable anything reads documented in {@code .env.example}.
 */
class ComposeAndEnvConsistencyTest {

    /** {@code ${NAME} ${NAME:default} ${NAME:-default} ${NAME:?error}}, but not compose's {@code $${escaped}}. */
    private static final Pattern PLACEHOLDER = Pattern.compile("(?<!\\$)\\$\\{([A-Za-z_][A-Za-z0-9_]*)");
    /** {@code ${NAME:default}} whose default holds no other placeholder. */
    private static final Pattern SPRING_DEFAULT = Pattern.compile("\\$\\{([A-Z_][A-Z0-9_]*):([^${}]*)}");
    /** {@code ${NAME:-default}} (compose) whose default holds no other placeholder. */
    private static final Pattern COMPOSE_DEFAULT = Pattern.compile("(?<!\\$)\\$\\{([A-Z_][A-Z0-9_]*):-([^${}]*)}");
    /** Environment reads in Java: System.getenv("X"), getenv().get("X"), env.get("X"), env.getOrDefault("X", …). */
    private static final Pattern JAVA_ENV_READ = Pattern.compile(
            "(?:System\\.getenv|(?:\\benv|\\benvironment|getenv\\(\\))\\s*\\.\\s*(?:get|getOrDefault|containsKey))"
                    + "\\(\\s*\"([A-Za-z_][A-Za-z0-9_]*)\"");

    private static Path root;
    private static JsonNode compose;
    private static Map<String, String> envExample;

    @BeforeAll
    static void read() throws IOException {
        root = Path.of("").toAbsolutePath();
        if (!Files.exists(root.resolve("docker-compose.yml"))) {
            root = root.getParent(); // Maven runs tests in the module directory
        }
        compose = YAMLMapper.builder().build().readTree(Files.readString(root.resolve("docker-compose.yml")));
        envExample = parseEnvFile(root.resolve(".env.example"));
    }

    @Test
    void composeHasExactlyTheFourServices() {
        assertThat(compose.get("services").propertyNames())
                .containsExactlyInAnyOrder("postgres", "api", "worker", "runner");
        assertThat(compose.at("/services/postgres/image").asString()).startsWith("postgres:17");
        assertThat(compose.at("/services/postgres/healthcheck/test").isMissingNode())
                .isFalse();
    }

    @Test
    void eachServiceIsBuiltFromItsModuleBindsEverywhereAndWaitsForPostgres() {
        for (Service service : Service.values()) {
            JsonNode node = compose.at("/services/" + service.label());
            assertThat(node.at("/build/context").asString()).as(service.label()).isEqualTo(".");
            assertThat(node.at("/build/args/SERVICE").asString())
                    .as(service.label())
                    .isEqualTo(service.module());
            assertThat(node.at("/depends_on/postgres/condition").asString())
                    .as(service.label())
                    .isEqualTo("service_healthy");
            assertThat(node.at("/environment/" + service.hostVariable()).asString())
                    .as("%s must listen on every interface inside its container", service.label())
                    .isEqualTo("0.0.0.0");
            assertThat(node.at("/environment/DATABASE_URL").asString())
                    .as(service.label())
                    .contains("@postgres:5432/");
        }
    }

    @Test
    void publishedPortsMatchTheServiceDefaultsAndTheLauncher() throws IOException {
        for (Service service : Service.values()) {
            Path yml = root.resolve(service.module()).resolve("src/main/resources/application.yml");
            Matcher port = Pattern.compile("port: \\$\\{" + service.portVariable() + ":(\\d+)}")
                    .matcher(Files.readString(yml));
            assertThat(port.find())
                    .as("%s declares server.port from %s", yml, service.portVariable())
                    .isTrue();
            int serviceDefault = Integer.parseInt(port.group(1));

            assertThat(serviceDefault)
                    .as("launcher default for %s", service.label())
                    .isEqualTo(service.defaultPort());
            assertThat(envExample.get(service.portVariable())).isEqualTo(Integer.toString(serviceDefault));
            List<String> published = new ArrayList<>();
            compose.at("/services/" + service.label() + "/ports").forEach(entry -> published.add(entry.asString()));
            assertThat(published).as("ports of %s", service.label()).hasSize(1);
            String[] parts = resolveComposeDefaults(published.getFirst()).split(":");
            assertThat(Integer.parseInt(parts[parts.length - 2]))
                    .as("published port of %s", service.label())
                    .isEqualTo(serviceDefault);
            assertThat(Integer.parseInt(parts[parts.length - 1]))
                    .as("container port of %s", service.label())
                    .isEqualTo(serviceDefault);
        }
    }

    @Test
    void everyVariableAnythingReadsIsInEnvExample() throws IOException {
        Map<String, Set<String>> used = new TreeMap<>();
        collect(used, PLACEHOLDER, root.resolve("docker-compose.yml"));
        for (Path yml : files("glob:**/src/main/resources/application*.{yml,yaml,properties}")) {
            collect(used, PLACEHOLDER, yml);
        }
        for (Path java : files("glob:**/src/main/java/**.java")) {
            collect(used, JAVA_ENV_READ, java);
        }
        assertThat(used).as("variables found").containsKeys("DATABASE_URL", "API_PORT", "RUNNER_INTERNAL_TOKEN");

        Map<String, Set<String>> missing = new TreeMap<>(used);
        missing.keySet().removeAll(envExample.keySet());
        missing.keySet().removeAll(Set.of("PATH", "HOME")); // every process's own, not settings of ours
        assertThat(missing)
                .as(
                        "variables read somewhere but not listed in .env.example (add each with its default and a"
                                + " one-line comment): %s",
                        missing)
                .isEmpty();
    }

    @Test
    void envExampleDefaultsAgreeWithTheServices() throws IOException {
        Map<String, String> disagreements = new LinkedHashMap<>();
        List<Path> sources = new ArrayList<>(files("glob:**/src/main/resources/application*.{yml,yaml}"));
        sources.add(root.resolve("docker-compose.yml"));
        for (Path yml : sources) {
            Pattern pattern = yml.endsWith("docker-compose.yml") ? COMPOSE_DEFAULT : SPRING_DEFAULT;
            Matcher matcher = pattern.matcher(Files.readString(yml));
            while (matcher.find()) {
                String documented = envExample.get(matcher.group(1));
                String actual = matcher.group(2).strip();
                if (documented != null && !documented.isEmpty() && !documented.equals(actual)) {
                    disagreements.put(
                            matcher.group(1),
                            ".env.example says '" + documented + "', " + root.relativize(yml) + " says '" + actual
                                    + "'");
                }
            }
        }
        assertThat(disagreements).as("defaults that differ").isEmpty();
    }

    private static void collect(Map<String, Set<String>> used, Pattern pattern, Path file) throws IOException {
        Matcher matcher = pattern.matcher(Files.readString(file));
        while (matcher.find()) {
            used.computeIfAbsent(matcher.group(1), name -> new HashSet<>())
                    .add(root.relativize(file).toString());
        }
    }

    private static List<Path> files(String glob) throws IOException {
        var matcher = root.getFileSystem().getPathMatcher(glob);
        try (Stream<Path> walk = Files.walk(root)) {
            return walk.filter(path -> !path.toString().contains("/node_modules/")
                            && !path.toString().contains("/target/")
                            && !path.toString().contains("/.git/"))
                    .filter(matcher::matches)
                    .toList();
        }
    }

    /** Replaces each {@code ${NAME:-default}} by its default, as compose does when NAME is unset. */
    private static String resolveComposeDefaults(String value) {
        String resolved = value;
        Pattern innermost = Pattern.compile("\\$\\{[A-Za-z_][A-Za-z0-9_]*:-([^${}]*)}");
        for (Matcher matcher = innermost.matcher(resolved); matcher.find(); matcher = innermost.matcher(resolved)) {
            resolved = resolved.substring(0, matcher.start()) + matcher.group(1) + resolved.substring(matcher.end());
        }
        return resolved;
    }

    /** {@code NAME=value} lines; comments and blank lines skipped, surrounding quotes removed. */
    static Map<String, String> parseEnvFile(Path file) throws IOException {
        Map<String, String> values = new LinkedHashMap<>();
        for (String line : Files.readAllLines(file)) {
            String trimmed = line.strip();
            if (trimmed.isEmpty() || trimmed.startsWith("#")) {
                continue;
            }
            int equals = trimmed.indexOf('=');
            assertThat(equals)
                    .as(".env.example line is not NAME=value: %s", line)
                    .isPositive();
            String value = trimmed.substring(equals + 1).strip();
            if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
                value = value.substring(1, value.length() - 1);
            }
            assertThat(values.put(trimmed.substring(0, equals).strip(), value))
                    .as(".env.example lists %s twice", trimmed.substring(0, equals))
                    .isNull();
        }
        return values;
    }
}
