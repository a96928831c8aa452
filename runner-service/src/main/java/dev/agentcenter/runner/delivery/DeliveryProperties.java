package dev.agentcenter.runner.delivery;

import jakarta.validation.constraints.NotBlank;
import java.time.Duration;
import okhttp3.HttpUrl;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * How a runner delivers a run's changes: the commit identity and the GitHub API that opens pull requests.
 *
 * @param githubApiBaseUrl {@code RUNNER_GITHUB_API_BASE_URL}, else {@code GITHUB_API_BASE_URL} (default {@code
 *     https://api.github.com}): the REST API root; {@code https://HOST/api/v3} for GitHub Enterprise Server, a local
 *     fake in tests. Pushes go to {@code RUNNER_GIT_BASE_URL}, so both must name the same GitHub
 * @param authorName {@code RUNNER_GIT_AUTHOR_NAME} (default "Agent Center"): author and committer of the runner's
 *     commits
 * @param authorEmail {@code RUNNER_GIT_AUTHOR_EMAIL} (default {@code agent-center@localhost}); GitHub links commits
 *     to an account with this email, e.g. {@code 12345+bot@users.noreply.github.com}
 * @param githubTimeout {@code RUNNER_GITHUB_TIMEOUT_SECONDS} (default 30 s): the most one GitHub API call may take,
 *     connecting and reading included
 */
@Validated
@ConfigurationProperties("agent-center.delivery")
public record DeliveryProperties(
        @DefaultValue(DeliveryProperties.DEFAULT_API_BASE_URL)
        String githubApiBaseUrl,

        @NotBlank @DefaultValue("Agent Center") String authorName,
        @NotBlank @DefaultValue("agent-center@localhost") String authorEmail,
        @DefaultValue("30s") Duration githubTimeout) {

    static final String DEFAULT_API_BASE_URL = "https://api.github.com";

    public DeliveryProperties {
        githubApiBaseUrl = githubApiBaseUrl == null || githubApiBaseUrl.isBlank()
                ? DEFAULT_API_BASE_URL
                : githubApiBaseUrl.strip();
        if (HttpUrl.parse(githubApiBaseUrl) == null) {
            throw new IllegalArgumentException(
                    "agent-center.delivery.github-api-base-url (RUNNER_GITHUB_API_BASE_URL) must be an http(s) URL,"
                            + " got: " + githubApiBaseUrl);
        }
        if (githubTimeout == null || githubTimeout.isNegative() || githubTimeout.isZero()) {
            githubTimeout = Duration.ofSeconds(30);
        }
    }

    /** The API root as a URL. */
    HttpUrl apiBaseUrl() {
        return HttpUrl.get(githubApiBaseUrl);
    }
}
