package dev.agentcenter.model;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Size;
import java.util.List;

/**
 * What a run executes.
 *
 * @param commands shell commands, run one by one; a non-zero exit fails the run
 * @param agent the coding agent, if any
 * @param workingDirectory directory inside the workspace that commands start in
 * @param commitMessage when set, a run that succeeds commits the workspace changes on the run's branch with this
 *     message and, for a task on a repository, pushes the branch
 * @param prTitle when set, a run that succeeds also opens a pull request with this title (or reports the one already
 *     open for the branch); without {@code commitMessage} the title is the commit message too
 * @param prBody body of that pull request
 * @param sandbox how the run is isolated: whether it requires a sandbox and what network it gets; {@code null} for
 *     the runner's defaults
 */
public record ExecutionConfig(
        @Size(max = 100) List<@jakarta.validation.constraints.NotNull @Valid CommandSpec> commands,
        @Valid AgentConfig agent,
        @Size(max = 1024) String workingDirectory,
        @Size(max = 10_000) String commitMessage,
        @Size(max = 256) String prTitle,
        @Size(max = 65_536) String prBody,
        @Valid SandboxConfig sandbox) {

    /** A config with the runner's default sandbox. */
    public ExecutionConfig(
            List<CommandSpec> commands,
            AgentConfig agent,
            String workingDirectory,
            String commitMessage,
            String prTitle,
            String prBody) {
        this(commands, agent, workingDirectory, commitMessage, prTitle, prBody, null);
    }

    /** The stored form of a config: never {@code null}, always with a (possibly empty) command list. */
    public static ExecutionConfig normalized(ExecutionConfig config) {
        if (config == null) {
            return ofCommands(List.of());
        }
        return config.commands() != null
                ? config
                : new ExecutionConfig(
                        List.of(),
                        config.agent(),
                        config.workingDirectory(),
                        config.commitMessage(),
                        config.prTitle(),
                        config.prBody(),
                        config.sandbox());
    }

    /** This config with other commands, everything else kept. */
    public ExecutionConfig withCommands(List<CommandSpec> newCommands) {
        return new ExecutionConfig(newCommands, agent, workingDirectory, commitMessage, prTitle, prBody, sandbox);
    }

    /** A config that only runs these commands. */
    public static ExecutionConfig ofCommands(List<CommandSpec> commands) {
        return new ExecutionConfig(commands, null, null, null, null, null);
    }
}
