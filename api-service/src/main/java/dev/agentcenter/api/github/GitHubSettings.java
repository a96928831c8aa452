package dev.agentcenter.api.github;

import dev.agentcenter.model.AgentConfig;
import dev.agentcenter.model.AgentProvider;
import dev.agentcenter.model.ExecutionConfig;
import dev.agentcenter.model.PermissionMode;

/**
 * Which GitHub events start or continue work for one repository connection, stored as JSON in
 * {@code github_settings.settings}. Every field has a default, so an empty object is a complete setting.
 *
 * @param label the issue label that starts a task ({@code agent-center})
 * @param labelTrigger whether labelling an issue starts a task
 * @param commentTrigger whether a {@code <command> <prompt>} comment starts a task (issue) or a follow-up (pull
 *     request of the product's)
 * @param reviewTrigger whether review comments on a pull request of the product's queue a follow-up
 * @param checkTrigger whether a failed {@code check_run} or {@code workflow_run} on such a pull request queues one
 * @param command the comment command ({@code /agent-center})
 * @param maxFollowUps the most follow-ups GitHub feedback may queue for one task (10): a fix that keeps failing a
 *     check stops there instead of looping forever
 * @param permissionMode the permission mode of tasks started from GitHub ({@code safe})
 * @param taskConfig the execution config of tasks started from GitHub (default: the Claude agent); a missing commit
 *     message, pull request title or body is filled in from the issue
 */
public record GitHubSettings(
        String label,
        Boolean labelTrigger,
        Boolean commentTrigger,
        Boolean reviewTrigger,
        Boolean checkTrigger,
        String command,
        Integer maxFollowUps,
        PermissionMode permissionMode,
        ExecutionConfig taskConfig) {

    static final String DEFAULT_LABEL = "agent-center";
    static final String DEFAULT_COMMAND = "/agent-center";

    public GitHubSettings {
        label = label == null || label.isBlank() ? DEFAULT_LABEL : label.strip();
        labelTrigger = labelTrigger == null || labelTrigger;
        commentTrigger = commentTrigger == null || commentTrigger;
        reviewTrigger = reviewTrigger == null || reviewTrigger;
        checkTrigger = checkTrigger == null || checkTrigger;
        command = command == null || command.isBlank() ? DEFAULT_COMMAND : command.strip();
        maxFollowUps = maxFollowUps == null ? 10 : maxFollowUps;
        permissionMode = permissionMode == null ? PermissionMode.SAFE : permissionMode;
        taskConfig = ExecutionConfig.normalized(
                taskConfig != null
                        ? taskConfig
                        : new ExecutionConfig(
                                null, new AgentConfig(AgentProvider.CLAUDE, null, null), null, null, null, null));
    }

    /** The defaults. */
    static GitHubSettings defaults() {
        return new GitHubSettings(null, null, null, null, null, null, null, null, null);
    }

    /** These settings with the request's non-null fields. */
    GitHubSettings with(GitHubSettingsRequest change) {
        return new GitHubSettings(
                change.label() != null ? change.label() : label,
                change.labelTrigger() != null ? change.labelTrigger() : labelTrigger,
                change.commentTrigger() != null ? change.commentTrigger() : commentTrigger,
                change.reviewTrigger() != null ? change.reviewTrigger() : reviewTrigger,
                change.checkTrigger() != null ? change.checkTrigger() : checkTrigger,
                change.command() != null ? change.command() : command,
                change.maxFollowUps() != null ? change.maxFollowUps() : maxFollowUps,
                change.permissionMode() != null ? change.permissionMode() : permissionMode,
                change.taskConfig() != null ? change.taskConfig() : taskConfig);
    }
}
