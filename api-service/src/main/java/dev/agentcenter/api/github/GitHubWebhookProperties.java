package dev.agentcenter.api.github;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How GitHub feedback becomes follow-ups.
 *
 * @param feedbackQuiet {@code GITHUB_FEEDBACK_QUIET_MS} (default 3000): feedback waits until none has arrived for
 *     this long, so a review's comments (one delivery each) become one follow-up
 * @param feedbackPoll {@code GITHUB_FEEDBACK_POLL_MS} (default 1000): how often the API looks for pending feedback
 *     whose task has no active run
 */
@ConfigurationProperties("agent-center.github-webhooks")
public record GitHubWebhookProperties(
        @DefaultValue("3000ms") Duration feedbackQuiet,
        @DefaultValue("1000ms") Duration feedbackPoll) {

    public GitHubWebhookProperties {
        if (feedbackQuiet == null || feedbackQuiet.isNegative()) {
            feedbackQuiet = Duration.ofSeconds(3);
        }
        if (feedbackPoll == null || feedbackPoll.toMillis() < 10) {
            feedbackPoll = Duration.ofSeconds(1);
        }
    }
}
