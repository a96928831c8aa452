package dev.agentcenter.api.repo;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import okhttp3.HttpUrl;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How the API talks to GitHub.
 *
 * @param apiBaseUrl {@code GITHUB_API_BASE_URL}: the REST API root, {@code https://api.github.com} by default; for
 *     GitHub Enterprise Server {@code https://HOST/api/v3}; tests point it at a local fake
 * @param fallbackTokens tokens for connections that have none of their own, in order of preference: the first
 *     non-blank one is used. Bound from {@code GITHUB_TOKEN}, {@code GITHUB_PAT} and {@code GH_TOKEN}; an empty
 *     variable counts as unset
 */
@ConfigurationProperties("agent-center.github")
public record GitHubProperties(
        @DefaultValue(GitHubProperties.DEFAULT_API_BASE_URL) String apiBaseUrl, List<String> fallbackTokens) {

    static final String DEFAULT_API_BASE_URL = "https://api.github.com";

    public GitHubProperties {
        if (apiBaseUrl == null || apiBaseUrl.isBlank()) {
            apiBaseUrl = DEFAULT_API_BASE_URL;
        }
        apiBaseUrl = apiBaseUrl.strip();
        if (HttpUrl.parse(apiBaseUrl) == null) {
            throw new IllegalArgumentException(
                    "agent-center.github.api-base-url (GITHUB_API_BASE_URL) must be an http(s) URL, got: "
                            + apiBaseUrl);
        }
        fallbackTokens = fallbackTokens == null
                ? List.of()
                : fallbackTokens.stream()
                        .filter(Objects::nonNull)
                        .map(String::strip)
                        .filter(token -> !token.isEmpty())
                        .toList();
    }

    /** The API root as a URL. */
    HttpUrl baseUrl() {
        return HttpUrl.get(apiBaseUrl);
    }

    /** The server's own token, used when a connection has none. */
    Optional<String> fallbackToken() {
        return fallbackTokens.stream().findFirst();
    }

    /** Never prints the tokens. */
    @Override
    public String toString() {
        return "GitHubProperties[apiBaseUrl=" + apiBaseUrl + ", fallbackTokens=" + fallbackTokens.size() + " set]";
    }
}
