package dev.agentcenter.stack;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The environment of each service: the launcher's own, plus where the database is, which process to watch, and
 * the secrets the launcher generated. Generated secrets travel as {@code NAME_FILE} paths to the mode-600 files
 * that hold them, never as values: not on the command line, where every user of the machine could read them with
 * {@code ps}, and not in the environment, where any process of the same user reads {@code /proc/<pid>/environ}.
 */
final class ChildEnvironment {

    /** The only variables the launcher adds to or changes in its own environment. */
    static final Set<String> ADDED = Set.of(
            "DATABASE_URL",
            "AGENT_CENTER_PARENT_PID",
            "AGENT_CENTER_DATA_DIR",
            "CREDENTIAL_ENCRYPTION_KEY_FILE",
            "RUNNER_INTERNAL_TOKEN_FILE",
            "SPRING_DATASOURCE_PASSWORD_FILE");

    /**
     * Secrets and who needs them: every other service gets neither the variable nor its {@code _FILE} form, so a
     * service that is compromised (or a run that reads its parent's environment) learns only what that service
     * needs. The worker dispatches runs with the runner's token and, as the sender of run-end notices, opens repository
     * tokens and webhook secrets (the encryption key, GitHub's fallback tokens); the API seals credentials and checks
     * the API token; the runner opens credentials, pushes and starts agents.
     */
    static final Map<String, Set<Service>> SECRETS = Map.of(
            "AGENT_CENTER_API_TOKEN", Set.of(Service.API),
            "RUNNER_INTERNAL_TOKEN", Set.of(Service.WORKER, Service.RUNNER),
            "CREDENTIAL_ENCRYPTION_KEY", Set.of(Service.API, Service.WORKER, Service.RUNNER),
            "GITHUB_TOKEN", Set.of(Service.API, Service.WORKER, Service.RUNNER),
            "GITHUB_PAT", Set.of(Service.API, Service.WORKER, Service.RUNNER),
            "GH_TOKEN", Set.of(Service.API, Service.WORKER, Service.RUNNER),
            "SPRING_DATASOURCE_PASSWORD", Set.of(Service.API, Service.WORKER, Service.RUNNER),
            "OPENAI_API_KEY", Set.of(Service.RUNNER),
            "ANTHROPIC_API_KEY", Set.of(Service.RUNNER));

    private ChildEnvironment() {}

    private static boolean isBlank(String value) {
        return value == null || value.isBlank();
    }

    /** {@code env} without the secrets {@code service} does not need. */
    static Map<String, String> forService(Service service, Map<String, String> env) {
        Map<String, String> own = new TreeMap<>(env);
        SECRETS.forEach((name, users) -> {
            if (!users.contains(service)) {
                own.remove(name);
                own.remove(name + "_FILE");
            }
        });
        return own;
    }

    /**
     * @param parent the launcher's environment
     * @param databaseUrl where the services find Postgres
     * @param launcherPid the process whose end ends the services ({@code ParentWatch})
     * @param dataDir the absolute data directory
     * @param generated {@code NAME_FILE} of each secret the launcher made up, with the file's path; a non-blank
     *     {@code NAME} or {@code NAME_FILE} the user set always wins
     */
    static Map<String, String> build(
            Map<String, String> parent,
            String databaseUrl,
            long launcherPid,
            Path dataDir,
            Map<String, String> generated) {
        Map<String, String> env = new TreeMap<>(parent);
        env.put("DATABASE_URL", databaseUrl);
        env.put("AGENT_CENTER_PARENT_PID", Long.toString(launcherPid));
        env.put("AGENT_CENTER_DATA_DIR", dataDir.toString());
        Map<String, String> secrets = new LinkedHashMap<>(generated);
        secrets.forEach((name, value) -> {
            if (!ADDED.contains(name) || !name.endsWith("_FILE")) {
                throw new IllegalArgumentException("Not a variable the launcher may set: " + name);
            }
            String secret = name.substring(0, name.length() - "_FILE".length());
            if (isBlank(parent.get(name)) && isBlank(parent.get(secret))) {
                env.put(name, value);
            }
        });
        return env;
    }
}
