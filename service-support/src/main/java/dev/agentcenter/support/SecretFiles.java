package dev.agentcenter.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code NAME_FILE=/run/secrets/name} for every secret a service reads, as Docker and Kubernetes secrets are
 * mounted: the value comes from the file, so it need not sit in the process's environment (where {@code
 * /proc/<pid>/environ} and every child that inherits it can read it). Applied before Spring starts: the value
 * becomes a system property of the same name, which Spring's {@code ${NAME}} placeholders read before the
 * environment.
 */
public final class SecretFiles {

    /** The secrets that may come from a file. */
    public static final List<String> NAMES = List.of(
            "DATABASE_URL",
            "SPRING_DATASOURCE_PASSWORD",
            "CREDENTIAL_ENCRYPTION_KEY",
            "RUNNER_INTERNAL_TOKEN",
            "AGENT_CENTER_API_TOKEN",
            "GITHUB_TOKEN",
            "GITHUB_PAT",
            "GH_TOKEN",
            "OPENAI_API_KEY",
            "ANTHROPIC_API_KEY");

    private SecretFiles() {}

    /**
     * Reads every {@code NAME_FILE} in {@code env}, sets the system property {@code NAME}, and returns {@code env}
     * with {@code NAME} added, for code that reads the environment before Spring does.
     *
     * @throws IllegalArgumentException when both {@code NAME} and {@code NAME_FILE} are set, or the file cannot be
     *     read: a service must not start on a secret other than the one its operator meant
     */
    public static Map<String, String> apply(Map<String, String> env) {
        Map<String, String> resolved = new HashMap<>(env);
        for (String name : NAMES) {
            String file = env.get(name + "_FILE");
            if (file == null || file.isBlank()) {
                continue;
            }
            String direct = env.get(name);
            if (direct != null && !direct.isBlank()) {
                throw new IllegalArgumentException("Set " + name + " or " + name + "_FILE, not both");
            }
            String value;
            try {
                value = Files.readString(Path.of(file.strip())).strip();
            } catch (IOException e) {
                throw new IllegalArgumentException(name + "_FILE=" + file + " cannot be read: " + e.getMessage(), e);
            }
            System.setProperty(name, value);
            resolved.put(name, value);
        }
        return Map.copyOf(resolved);
    }
}
