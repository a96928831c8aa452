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
 * @param commitMessage when set, the runner commits the workspace changes with this message
 * @param prTitle when set, the runner pushes the branch and opens a pull request with this title
 * @param prBody body of that pull request
 */
public record ExecutionConfig(
        @Size(max = 100) List<@jakarta.validation.constraints.NotNull @Valid CommandSpec> commands,
        @Valid AgentConfig agent,
        @Size(max = 1024) String workingDirectory,
        String commitMessage,
        String prTitle,
        String prBody) {

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
                        config.prBody());
    }

    /** This config with other commands, everything else kept. */
    public ExecutionConfig withCommands(List<CommandSpec> newCommands) {
        return new ExecutionConfig(newCommands, agent, workingDirectory, commitMessage, prTitle, prBody);
    }

    /** A config that only runs these commands. */
    public static ExecutionConfig ofCommands(List<CommandSpec> commands) {
        return new ExecutionConfig(commands, null, null, null, null, null);
    }
}
