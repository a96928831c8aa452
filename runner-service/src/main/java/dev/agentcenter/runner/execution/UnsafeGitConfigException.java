package dev.agentcenter.runner.execution;

import java.util.List;

/**
 * The workspace's git setup could make the runner's own git calls run a program or send the repository token
 * elsewhere (see {@link RepositoryConfig}), so the runner does not use it. Its {@link #CODE} is the run's error code.
 */
public final class UnsafeGitConfigException extends GitException {

    /** The run's error code. */
    public static final String CODE = "unsafe_git_config";

    static final String HINT = "Do not configure filters, URL rewrites, includes, a work tree elsewhere or other"
            + " program-running git settings in the workspace's .git/config (Git LFS is not supported in delivery)."
            + " The next run of the task removes these keys before its commands start.";

    private final List<String> keys;

    /**
     * @param what the step refused, e.g. "git push refused"
     * @param keys the offending keys
     */
    public UnsafeGitConfigException(String what, List<String> keys) {
        super(
                what + ": the workspace's git configuration sets " + String.join(", ", keys)
                        + ", which could run programs or send the repository token elsewhere",
                HINT,
                List.of());
        this.keys = List.copyOf(keys);
    }

    /** The offending config keys, or a description of what else is wrong with {@code .git}. */
    public List<String> keys() {
        return keys;
    }
}
