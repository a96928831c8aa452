package dev.agentcenter.worker.outbound;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import okhttp3.HttpUrl;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How the worker tells the outside world that a run ended: workspace webhooks and GitHub comments and statuses.
 *
 * @param interval {@code WORKER_OUTBOUND_INTERVAL_MS} (default 1000): how often the worker looks for messages due
 * @param maxAttempts {@code WORKER_OUTBOUND_MAX_ATTEMPTS} (default 8): attempts per message before it is
 *     {@code failed}
 * @param backoff {@code WORKER_OUTBOUND_BACKOFF_MS} (default 2000): the wait after the first failed attempt,
 *     doubled after each further one, at most an hour
 * @param timeout {@code WORKER_OUTBOUND_TIMEOUT_MS} (default 10000): the most one request may take
 * @param githubApiBaseUrl {@code GITHUB_API_BASE_URL} (default {@code https://api.github.com})
 * @param githubFallbackTokens {@code GITHUB_TOKEN}, {@code GITHUB_PAT}, {@code GH_TOKEN}: for connections without a
 *     token of their own
 * @param publicUrl {@code AGENT_CENTER_PUBLIC_URL} (default {@code http://localhost:3000}): the web UI's address,
 *     for the links in comments, statuses and webhook payloads
 * @param encryptionKey {@code CREDENTIAL_ENCRYPTION_KEY}: opens repository tokens and webhook secrets
 */
@ConfigurationProperties("agent-center.outbound")
public record OutboundProperties(
        @DefaultValue("1000ms") Duration interval,
        @DefaultValue("8") int maxAttempts,
        @DefaultValue("2000ms") Duration backoff,
        @DefaultValue("10000ms") Duration timeout,
        @DefaultValue("https://api.github.com") String githubApiBaseUrl,
        List<String> githubFallbackTokens,
        @DefaultValue("http://localhost:3000") String publicUrl,
        String encryptionKey) {

    public OutboundProperties {
        if (interval == null || interval.toMillis() < 10) {
            interval = Duration.ofSeconds(1);
        }
        maxAttempts = Math.clamp(maxAttempts, 1, 100);
        if (backoff == null || backoff.isNegative()) {
            backoff = Duration.ofSeconds(2);
        }
        if (timeout == null || timeout.toMillis() < 100) {
            timeout = Duration.ofSeconds(10);
        }
        githubApiBaseUrl = githubApiBaseUrl == null || githubApiBaseUrl.isBlank()
                ? "https://api.github.com"
                : githubApiBaseUrl.strip();
        if (HttpUrl.parse(githubApiBaseUrl) == null) {
            throw new IllegalArgumentException("GITHUB_API_BASE_URL must be an http(s) URL, got: " + githubApiBaseUrl);
        }
        githubFallbackTokens = githubFallbackTokens == null
                ? List.of()
                : githubFallbackTokens.stream()
                        .filter(Objects::nonNull)
                        .map(String::strip)
                        .filter(t -> !t.isEmpty())
                        .toList();
        publicUrl = publicUrl == null || publicUrl.isBlank() ? "http://localhost:3000" : publicUrl.strip();
        while (publicUrl.endsWith("/")) {
            publicUrl = publicUrl.substring(0, publicUrl.length() - 1);
        }
    }

    /** The wait before attempt {@code attempts + 1}, after {@code attempts} failed ones. */
    Duration backoffAfter(int attempts) {
        long factor = 1L << Math.min(20, Math.max(0, attempts - 1));
        Duration wait = backoff.multipliedBy(factor);
        return wait.compareTo(Duration.ofHours(1)) > 0 ? Duration.ofHours(1) : wait;
    }

    Optional<String> fallbackToken() {
        return githubFallbackTokens.stream().findFirst();
    }

    /** Never prints the tokens or the key. */
    @Override
    public String toString() {
        return "OutboundProperties[interval=" + interval + ", maxAttempts=" + maxAttempts + ", backoff=" + backoff
                + ", timeout=" + timeout + ", githubApiBaseUrl=" + githubApiBaseUrl + ", publicUrl=" + publicUrl
                + "]";
    }
}
