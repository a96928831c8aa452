package dev.agentcenter.api.repo;

import dev.agentcenter.model.RepoConnectionTestResult;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * Asks the GitHub REST API whether a repository can be read. Every outcome, GitHub being down included, is a
 * {@link RepoConnectionTestResult}: a failed check is an answer for the user, not an error of this API.
 */
@Component
class GitHubClient {

    private static final Logger log = LoggerFactory.getLogger(GitHubClient.class);
    /** A repository document is a few kB; anything far larger is not the answer we asked for. */
    private static final long MAX_BODY_BYTES = 1 << 20;

    private static final int MAX_MESSAGE_CHARS = 300;

    private final OkHttpClient http;
    private final GitHubProperties properties;
    private final ObjectMapper json;
    private final Clock clock;

    GitHubClient(OkHttpClient http, GitHubProperties properties, ObjectMapper json, Clock clock) {
        this.http = http;
        this.properties = properties;
        this.json = json;
        this.clock = clock;
    }

    /**
     * Checks {@code GET /repos/{owner}/{repo}}.
     *
     * @param connectionToken the connection's own token, or {@code null} to use the server's (if any)
     */
    RepoConnectionTestResult checkRepository(String owner, String repo, String connectionToken) {
        String token = connectionToken != null
                ? connectionToken
                : properties.fallbackToken().orElse(null);
        String credentials = connectionToken != null
                ? "the connection's token"
                : token != null ? "the server's GitHub token" : "no token";
        HttpUrl url = properties
                .baseUrl()
                .newBuilder()
                .addPathSegment("repos")
                .addPathSegment(owner)
                .addPathSegment(repo)
                .build();
        Request.Builder request = new Request.Builder()
                .url(url)
                .get()
                .header("Accept", "application/vnd.github+json")
                .header("X-GitHub-Api-Version", "2022-11-28")
                .header("User-Agent", "agent-center");
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        String name = owner + "/" + repo;
        RepoConnectionTestResult result;
        try (Response response = http.newCall(request.build()).execute()) {
            String body = response.peekBody(MAX_BODY_BYTES).string();
            result = classify(response, body, name, credentials);
        } catch (IOException e) {
            result = failure(
                    null,
                    "github_unreachable",
                    "Could not reach GitHub at " + properties.apiBaseUrl() + ": " + describe(e)
                            + ". Check the network and GITHUB_API_BASE_URL.");
        }
        log.info("Checked access to {} with {}: {}", name, credentials, result.code());
        return result;
    }

    private RepoConnectionTestResult classify(Response response, String body, String name, String credentials) {
        int status = response.code();
        JsonNode document = parse(body);
        String said = githubMessage(document);
        return switch (status) {
            case 200 -> repository(document, name, credentials);
            case 401 ->
                failure(
                        status,
                        "auth_failed",
                        (credentials.equals("no token")
                                        ? "GitHub wants a token (401)"
                                        : "GitHub did not accept " + credentials + " (401); it may be wrong, expired"
                                                + " or revoked")
                                + said);
            case 403, 429 -> {
                String remaining = response.header("x-ratelimit-remaining");
                if ("0".equals(remaining) || status == 429) {
                    String reset = response.header("x-ratelimit-reset");
                    yield failure(
                            status,
                            status == 429 ? "github_error" : "forbidden",
                            "GitHub's rate limit for " + credentials + " is used up (" + status + ")"
                                    + (reset == null ? "" : "; it resets at " + resetTime(reset))
                                    + said);
                }
                yield failure(
                        status,
                        "forbidden",
                        "GitHub refused access to " + name + " with " + credentials + " (403); the token may lack"
                                + " the permission to read it, or an organization policy blocks it" + said);
            }
            case 404 ->
                failure(
                        status,
                        "repository_not_found",
                        "GitHub has no repository " + name + " that " + credentials + " can see (404). Check the"
                                + " owner and name; a private repository needs a token with access to it" + said);
            default -> failure(status, "github_error", "GitHub answered " + status + " for " + name + said);
        };
    }

    private RepoConnectionTestResult repository(JsonNode document, String name, String credentials) {
        if (document == null
                || !document.isObject()
                || !document.path("full_name").isString()) {
            return failure(200, "github_error", "GitHub answered 200 for " + name + " but not with a repository");
        }
        var repository = new RepoConnectionTestResult.Repository(
                document.path("full_name").asString(),
                document.path("default_branch").isString()
                        ? document.path("default_branch").asString()
                        : null,
                document.path("private").asBoolean(false),
                document.path("html_url").isString() ? document.path("html_url").asString() : null);
        return new RepoConnectionTestResult(
                true,
                200,
                "ok",
                "GitHub lets " + credentials + " read " + repository.fullName()
                        + (repository.isPrivate() ? " (private)" : " (public)"),
                repository,
                now());
    }

    private RepoConnectionTestResult failure(Integer status, String code, String message) {
        return new RepoConnectionTestResult(false, status, code, message, null, now());
    }

    private JsonNode parse(String body) {
        if (body == null || body.isBlank()) {
            return null;
        }
        try {
            return json.readTree(body);
        } catch (JacksonException notJson) {
            return null;
        }
    }

    /** GitHub's own words, e.g. ". GitHub said: Bad credentials", or nothing. */
    private static String githubMessage(JsonNode document) {
        if (document == null || !document.path("message").isString()) {
            return "";
        }
        String message = document.path("message").asString().strip();
        if (message.isEmpty()) {
            return "";
        }
        if (message.length() > MAX_MESSAGE_CHARS) {
            message = message.substring(0, MAX_MESSAGE_CHARS) + "…";
        }
        return ". GitHub said: " + message;
    }

    private static String resetTime(String epochSeconds) {
        try {
            return Instant.ofEpochSecond(Long.parseLong(epochSeconds.strip())).toString();
        } catch (NumberFormatException e) {
            return epochSeconds;
        }
    }

    private static String describe(IOException e) {
        String message = e.getMessage();
        return e.getClass().getSimpleName() + (message == null || message.isBlank() ? "" : " (" + message + ")");
    }

    private Instant now() {
        return clock.instant();
    }
}
