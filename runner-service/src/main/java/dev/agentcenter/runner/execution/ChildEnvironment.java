package dev.agentcenter.runner.execution;

import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The environment of a process the runner starts: an allowlist of the runner's own variables plus the command's own.
 *
 * <p>The original passed its whole environment to every command, so any command could print {@code DATABASE_URL},
 * {@code CREDENTIAL_ENCRYPTION_KEY} or {@code GITHUB_TOKEN}. Here nothing of the runner's environment gets through
 * unless it is on the allowlist, which names only variables a shell needs to behave normally (no proxy or tool
 * settings: a task that needs them sets them in its own {@code env}).
 *
 * <p>The command's own variables ({@code extra}, the task's per-command {@code env}) are the task author's and pass
 * unchanged, overriding allowlisted ones, with one exception: the names of the runner's own secrets are always
 * dropped, so a task can neither read them by mistake nor shadow them in a way that looks like the runner's. Names
 * or values the OS cannot carry (an {@code =} in a name, a NUL anywhere) are skipped.
 *
 * <p>The allowlisted environment is also the only input of the login shell whose result ({@link LoginEnvironment})
 * replaces it as the base of commands and agents; {@link #overlay} puts a command's variables on such a base.
 */
public final class ChildEnvironment {

    /** Runner variables a child inherits. {@code LC_*} is matched as a prefix. */
    static final Set<String> ALLOWED =
            Set.of("PATH", "HOME", "USER", "LOGNAME", "SHELL", "LANG", "TERM", "TZ", "TMPDIR");

    /** Never set in a child, whoever asks. */
    static final Set<String> RUNNER_SECRETS =
            Set.of("DATABASE_URL", "RUNNER_INTERNAL_TOKEN", "CREDENTIAL_ENCRYPTION_KEY", "AGENT_CENTER_API_TOKEN");

    /** Used when the runner itself has no PATH (e.g. started by a bare init system). */
    static final String DEFAULT_PATH = "/usr/local/bin:/usr/bin:/bin";

    private ChildEnvironment() {}

    /**
     * Builds the environment.
     *
     * @param runnerEnv the runner's environment, usually {@link System#getenv()}
     * @param extra the command's own variables; may be empty
     * @return an unmodifiable map, sorted by name
     */
    public static Map<String, String> build(Map<String, String> runnerEnv, Map<String, String> extra) {
        return overlay(allowlisted(runnerEnv), extra);
    }

    /**
     * The allowlisted part of the runner's environment: what a child gets before any variables of its own, and
     * the only input the login shell gets when the runner resolves its login environment ({@link
     * LoginEnvironment}).
     */
    static Map<String, String> allowlisted(Map<String, String> runnerEnv) {
        Map<String, String> env = new TreeMap<>();
        runnerEnv.forEach((name, value) -> {
            if (name != null && value != null && isAllowed(name)) {
                env.put(name, value);
            }
        });
        return env;
    }

    /**
     * A base environment that is already safe to give a child (the allowlist, or a resolved login environment)
     * plus the command's own variables, which override it. {@code PATH} and {@code TERM} are filled in when the base
     * has none; the runner's secret names are dropped from both.
     *
     * @return an unmodifiable map, sorted by name
     */
    public static Map<String, String> overlay(Map<String, String> base, Map<String, String> extra) {
        Map<String, String> env = new TreeMap<>();
        base.forEach((name, value) -> {
            if (isValid(name, value)) {
                env.put(name, value);
            }
        });
        env.putIfAbsent("PATH", DEFAULT_PATH);
        env.putIfAbsent("TERM", "dumb");
        if (extra != null) {
            extra.forEach((name, value) -> {
                if (isValid(name, value)) {
                    env.put(name, value);
                }
            });
        }
        env.keySet().removeAll(RUNNER_SECRETS);
        return Collections.unmodifiableMap(env);
    }

    /** A name or value the OS cannot represent would make the process fail to start; it is skipped instead. */
    static boolean isValid(String name, String value) {
        return name != null
                && value != null
                && !name.isEmpty()
                && name.indexOf('=') < 0
                && name.indexOf('\0') < 0
                && value.indexOf('\0') < 0;
    }

    private static boolean isAllowed(String name) {
        return ALLOWED.contains(name) || name.startsWith("LC_");
    }
}
