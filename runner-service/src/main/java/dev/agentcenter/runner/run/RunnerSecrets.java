package dev.agentcenter.runner.run;

import dev.agentcenter.runner.RunnerProperties;
import dev.agentcenter.runner.agent.AgentProperties;
import dev.agentcenter.runner.execution.SecretRedactor;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;

/**
 * The runner's own secrets, which every run's redactor masks (issue 12, finding 3): whatever a command or an agent
 * prints of them (from {@code /proc/<runner pid>/environ}, a secret file, the runner's memory) is stored as
 * {@code [REDACTED]}, in the encodings {@link SecretRedactor} knows.
 *
 * <p>They are: {@code RUNNER_INTERNAL_TOKEN}, {@code CREDENTIAL_ENCRYPTION_KEY}, the runner's {@code GITHUB_TOKEN}
 * and agent keys, {@code AGENT_CENTER_API_TOKEN} if the runner was handed it, the whole {@code DATABASE_URL} and the
 * database password. The password on its own only from {@value #MIN_PASSWORD_LENGTH} characters: a short or default
 * one ({@code agentcenter} in the Compose file) is an ordinary word that would be masked all over the logs, while
 * protecting nothing; inside {@code DATABASE_URL} it is masked with the URL.
 *
 * <p>Redaction is a last line of defence for what is printed, not isolation: a command that encodes a secret in a way
 * the redactor does not know, or sends it over the network, is not stopped. See the README's security model.
 */
@Component
class RunnerSecrets {

    static final int MIN_PASSWORD_LENGTH = 12;

    private final List<String> values;

    /**
     * {@code environment} has the secrets given as variables and, as system properties of the same names, those given
     * as {@code NAME_FILE} ({@link dev.agentcenter.support.SecretFiles}).
     */
    RunnerSecrets(
            RunnerProperties runner, ExecutionProperties execution, AgentProperties agents, Environment environment) {
        Set<String> found = new LinkedHashSet<>();
        add(found, runner.internalToken());
        add(found, execution.credentialEncryptionKey());
        add(found, execution.githubToken());
        add(found, agents.openaiApiKey());
        add(found, agents.anthropicApiKey());
        add(found, environment.getProperty("AGENT_CENTER_API_TOKEN"));
        add(found, environment.getProperty("DATABASE_URL"));
        String password = environment.getProperty("spring.datasource.password");
        if (password != null && password.length() >= MIN_PASSWORD_LENGTH) {
            add(found, password);
        }
        String jdbcUrl = environment.getProperty("spring.datasource.url");
        if (jdbcUrl != null && jdbcUrl.toLowerCase(java.util.Locale.ROOT).contains("password=")) {
            add(found, jdbcUrl);
        }
        this.values = List.copyOf(found);
    }

    /** A redactor for the runner's secrets and {@code more} (the run's repository token, say). */
    SecretRedactor redactor(String... more) {
        List<String> all = new ArrayList<>(values);
        for (String value : more) {
            if (value != null) {
                all.add(value);
            }
        }
        return new SecretRedactor(all.toArray(String[]::new));
    }

    /** How many values are registered (never the values), for the start-up log. */
    int count() {
        return values.size();
    }

    private static void add(Set<String> found, String value) {
        if (value != null && !value.isBlank()) {
            found.add(value.strip());
        }
    }
}
