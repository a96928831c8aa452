package dev.agentcenter.runner.delivery;

import dev.agentcenter.runner.execution.SecretRedactor;
import jakarta.annotation.PreDestroy;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import okhttp3.Call;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.springframework.stereotype.Component;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * Opens pull requests through the GitHub REST API ({@code POST /repos/{owner}/{repo}/pulls}), or finds the one
 * already open for a branch: GitHub allows one open pull request per head and base, and answers a second with 422 "A
 * pull request already exists for owner:branch", after which the open one is looked up ({@code GET
 * /repos/{owner}/{repo}/pulls?head=owner:branch&state=open}).
 *
 * <p>The token travels only in the {@code Authorization} header, never in a URL, and nothing here logs requests or
 * headers. Every failure is a {@link GitHubException} whose message quotes GitHub's own {@code message} (redacted:
 * GitHub echoes input back) and carries a hint. Nothing is retried: a pull request creation that timed out may have
 * happened, and the next run of the task finds it through the 422 path.
 */
@Component
public class GitHubPulls {

    static final String API_VERSION = "2022-11-28";
    static final MediaType JSON = MediaType.get("application/json; charset=utf-8");
    /** A pull request document is tens of kB; anything far larger is not the answer we asked for. */
    private static final long MAX_BODY_BYTES = 4L << 20;

    private static final int MAX_MESSAGE_CHARS = 400;

    private final OkHttpClient http;
    private final DeliveryProperties properties;
    private final ObjectMapper json;

    public GitHubPulls(DeliveryProperties properties, ObjectMapper json) {
        this.properties = properties;
        this.json = json;
        this.http = new OkHttpClient.Builder()
                .callTimeout(properties.githubTimeout())
                .connectTimeout(properties.githubTimeout())
                .readTimeout(properties.githubTimeout())
                .writeTimeout(properties.githubTimeout())
                .build();
    }

    /**
     * An open pull request.
     *
     * @param number its number in the repository
     * @param url its page ({@code html_url})
     * @param alreadyOpen it existed before this call
     */
    public record PullRequest(int number, String url, boolean alreadyOpen) {}

    /**
     * What to open.
     *
     * @param head the branch with the changes, in {@code owner/repo} itself
     * @param base the branch to merge into
     * @param body the description, or {@code null}
     */
    public record Proposal(String owner, String repo, String head, String base, String title, String body) {}

    /**
     * Opens the pull request, or returns the one already open for {@code head}.
     *
     * @param token sent as {@code Authorization: Bearer}
     * @param redactor removes secrets from what GitHub says before it reaches a message
     * @throws GitHubException for every answer but success, and when GitHub cannot be reached in time
     */
    public PullRequest open(Proposal proposal, String token, SecretRedactor redactor) {
        return open(proposal, token, redactor, new CompletableFuture<>());
    }

    /**
     * Opens the pull request, or returns the one already open for {@code head}, unless {@code stop} completes first.
     *
     * @param stop completing it (the run was cancelled or lost) cancels the call in flight at once instead of
     *     letting it run to GitHub's answer or the timeout; GitHub may still have opened the pull request
     * @throws CancellationException when {@code stop} cancelled the call: whether GitHub acted on it is unknown
     * @throws GitHubException for every answer but success, and when GitHub cannot be reached in time
     */
    public PullRequest open(Proposal proposal, String token, SecretRedactor redactor, CompletionStage<?> stop) {
        HttpUrl url = pullsUrl(proposal).build();
        Map<String, Object> document = new LinkedHashMap<>();
        document.put("title", proposal.title());
        document.put("head", proposal.head());
        document.put("base", proposal.base());
        if (proposal.body() != null && !proposal.body().isBlank()) {
            document.put("body", proposal.body());
        }
        Request request = request(url, token)
                .post(RequestBody.create(json.writeValueAsString(document), JSON))
                .build();
        Answer answer = call(request, proposal, redactor, stop);
        if (answer.status() == 201) {
            return pullRequest(answer.document(), false, proposal, redactor);
        }
        if (answer.status() == 422 && alreadyExists(answer.document())) {
            return findOpen(proposal, token, redactor, stop);
        }
        throw failure(answer, proposal, redactor);
    }

    private PullRequest findOpen(Proposal proposal, String token, SecretRedactor redactor, CompletionStage<?> stop) {
        HttpUrl url = pullsUrl(proposal)
                .addQueryParameter("head", proposal.owner() + ":" + proposal.head())
                .addQueryParameter("state", "open")
                .addQueryParameter("per_page", "1")
                .build();
        Answer answer = call(request(url, token).get().build(), proposal, redactor, stop);
        if (answer.status() != 200) {
            throw failure(answer, proposal, redactor);
        }
        JsonNode list = answer.document();
        if (list == null || !list.isArray() || list.isEmpty()) {
            throw new GitHubException(
                    answer.status(),
                    "GitHub said a pull request already exists for " + proposal.head() + " in " + fullName(proposal)
                            + ", but lists no open one for it",
                    "It was probably closed a moment ago: retry the run to open a new one.");
        }
        return pullRequest(list.get(0), true, proposal, redactor);
    }

    private HttpUrl.Builder pullsUrl(Proposal proposal) {
        return properties
                .apiBaseUrl()
                .newBuilder()
                .addPathSegment("repos")
                .addPathSegment(proposal.owner())
                .addPathSegment(proposal.repo())
                .addPathSegment("pulls");
    }

    private static Request.Builder request(HttpUrl url, String token) {
        return new Request.Builder()
                .url(url)
                .header("Accept", "application/vnd.github+json")
                .header("X-GitHub-Api-Version", API_VERSION)
                .header("User-Agent", "agent-center-runner")
                .header("Authorization", "Bearer " + token);
    }

    private record Answer(int status, JsonNode document, String rateLimitRemaining) {}

    private Answer call(Request request, Proposal proposal, SecretRedactor redactor, CompletionStage<?> stop) {
        Call call = http.newCall(request);
        // Our own flag: OkHttp's call timeout cancels the call too, and that is a timeout, not a stop.
        AtomicBoolean stopped = new AtomicBoolean();
        // Runs at once when the stop came before the call; a late stop cancels a finished call, which does nothing.
        stop.whenComplete((ignored, error) -> {
            stopped.set(true);
            call.cancel();
        });
        try (Response response = call.execute()) {
            String body = response.peekBody(MAX_BODY_BYTES).string();
            return new Answer(response.code(), parse(body), response.header("x-ratelimit-remaining"));
        } catch (IOException e) {
            if (stopped.get()) {
                throw new CancellationException(
                        "The " + request.method() + " to GitHub was abandoned: the run stopped");
            }
            if (e instanceof InterruptedIOException) {
                throw new GitHubException(
                        null,
                        "GitHub did not answer " + request.method() + " "
                                + request.url().encodedPath() + " within "
                                + properties.githubTimeout().toSeconds() + " s",
                        "GitHub may be slow or unreachable from the runner: check the network and"
                                + " RUNNER_GITHUB_API_BASE_URL, then retry the run (the next run finds a pull request"
                                + " this one may have opened after all).");
            }
            throw new GitHubException(
                    null,
                    "Could not reach GitHub at " + properties.githubApiBaseUrl() + " to open a pull request for "
                            + fullName(proposal) + ": " + redactor.redact(describe(e)),
                    "Check the runner's network and RUNNER_GITHUB_API_BASE_URL, then retry the run.");
        }
    }

    private PullRequest pullRequest(
            JsonNode document, boolean alreadyOpen, Proposal proposal, SecretRedactor redactor) {
        if (document == null
                || !document.path("number").canConvertToInt()
                || document.path("number").asInt() <= 0
                || !document.path("html_url").isString()) {
            throw new GitHubException(
                    null,
                    "GitHub's answer for the pull request of " + proposal.head() + " in " + fullName(proposal)
                            + " has no number or html_url",
                    "Check that RUNNER_GITHUB_API_BASE_URL points at the GitHub REST API.");
        }
        return new PullRequest(
                document.path("number").asInt(),
                redactor.redact(document.path("html_url").asString()),
                alreadyOpen);
    }

    private GitHubException failure(Answer answer, Proposal proposal, SecretRedactor redactor) {
        int status = answer.status();
        String name = fullName(proposal);
        String said = githubSaid(answer.document(), redactor);
        return switch (status) {
            case 401 ->
                new GitHubException(
                        status,
                        "GitHub rejected the token (401)" + said,
                        "The token is wrong, expired or revoked: update the repository connection's token (or"
                                + " the runner's GITHUB_TOKEN) and retry.");
            case 403, 429 -> {
                if (status == 429 || "0".equals(answer.rateLimitRemaining())) {
                    yield new GitHubException(
                            status,
                            "GitHub's API rate limit for this token is used up (" + status + ")" + said,
                            "Wait for the limit to reset, then retry the run.");
                }
                yield new GitHubException(
                        status,
                        "GitHub refused to open a pull request in " + name + " (403)" + said,
                        "The token needs write access to pull requests of " + name + " (classic token: the repo"
                                + " scope; fine-grained: Pull requests read and write), and the organization must"
                                + " allow it.");
            }
            case 404 ->
                new GitHubException(
                        status,
                        "GitHub has no repository " + name + " that this token can see (404)" + said,
                        "Check the repository connection's owner and name, and that the token has access to"
                                + " the repository.");
            case 422 ->
                new GitHubException(
                        status,
                        "GitHub refused the pull request from " + proposal.head() + " into " + proposal.base()
                                + " (422)" + said,
                        "Check that the base branch " + proposal.base() + " exists in " + name + " and that "
                                + proposal.head() + " has commits it does not have.");
            default -> {
                if (status >= 500) {
                    yield new GitHubException(
                            status,
                            "GitHub failed with " + status + " while opening the pull request" + said,
                            "GitHub may be having problems: retry the run later.");
                }
                yield new GitHubException(
                        status,
                        "GitHub answered " + status + " while opening the pull request" + said,
                        "Check that RUNNER_GITHUB_API_BASE_URL points at the GitHub REST API.");
            }
        };
    }

    private static boolean alreadyExists(JsonNode document) {
        if (document == null) {
            return false;
        }
        for (JsonNode error : document.path("errors")) {
            if (error.path("message").asString("").toLowerCase(Locale.ROOT).contains("pull request already exists")) {
                return true;
            }
        }
        return false;
    }

    /** GitHub's own words: ": Validation Failed (No commits between main and feature)", or nothing. */
    private static String githubSaid(JsonNode document, SecretRedactor redactor) {
        if (document == null || !document.isObject()) {
            return "";
        }
        String message = document.path("message").asString("").strip();
        List<String> details = new ArrayList<>();
        for (JsonNode error : document.path("errors")) {
            if (error.isString()) {
                details.add(error.asString());
            } else if (error.path("message").isString()) {
                details.add(error.path("message").asString());
            } else {
                String field = error.path("field").asString("");
                String code = error.path("code").asString("");
                if (!field.isEmpty() || !code.isEmpty()) {
                    details.add((field + " " + code).strip());
                }
            }
        }
        String text = message + (details.isEmpty() ? "" : " (" + String.join("; ", details) + ")");
        text = text.strip();
        if (text.isEmpty()) {
            return "";
        }
        if (text.length() > MAX_MESSAGE_CHARS) {
            text = text.substring(0, MAX_MESSAGE_CHARS) + "…";
        }
        return ". GitHub said: " + redactor.redact(text);
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

    private static String fullName(Proposal proposal) {
        return proposal.owner() + "/" + proposal.repo();
    }

    private static String describe(IOException e) {
        String message = e.getMessage();
        return e.getClass().getSimpleName() + (message == null || message.isBlank() ? "" : " (" + message + ")");
    }

    @PreDestroy
    void close() {
        http.connectionPool().evictAll();
        http.dispatcher().executorService().shutdown();
    }

    /** GitHub did not open (or find) the pull request; the message quotes GitHub, the hint says what to do. */
    public static final class GitHubException extends RuntimeException {
        private final Integer status;
        private final String hint;

        GitHubException(Integer status, String message, String hint) {
            super(message, null, false, false);
            this.status = status;
            this.hint = hint;
        }

        /** GitHub's HTTP status, or {@code null} when it did not answer. */
        public Integer status() {
            return status;
        }

        public String hint() {
            return hint;
        }
    }
}
