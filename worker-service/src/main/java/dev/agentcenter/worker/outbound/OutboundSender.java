package dev.agentcenter.worker.outbound;

import dev.agentcenter.support.HmacSignature;
import dev.agentcenter.support.SealedSecrets;
import dev.agentcenter.support.SecretBinding;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * Sends the outbox ({@code outbound_deliveries}, filled by a trigger when a run ends): signed JSON to workspace
 * webhooks, a comment on the GitHub issue or pull request and a commit status on the pull request's head.
 *
 * <p>A message is claimed by bumping its attempt count and pushing its next attempt past the time one attempt can
 * take, so several workers share the outbox and a worker that dies mid-send leaves the message to be retried; the
 * result is recorded only if the claim is still the worker's (same attempt count). Failures are retried with
 * exponential backoff up to {@code WORKER_OUTBOUND_MAX_ATTEMPTS}; an answer that retrying cannot change (GitHub's
 * 404, 422, …) fails at once. Secrets are opened per message and never logged or stored in an error.
 */
public class OutboundSender {

    private static final Logger log = LoggerFactory.getLogger(OutboundSender.class);
    private static final MediaType JSON_TYPE = MediaType.get("application/json; charset=utf-8");
    private static final int BATCH = 20;
    private static final int MAX_SUMMARY = 2000;
    private static final int MAX_ERROR = 500;
    /** Marks the product's own comments so that the webhook intake never treats them as a trigger (GitHubEvent). */
    static final String OWN_MARKER = "<!-- agent-center -->";

    private final JdbcClient db;
    private final OkHttpClient http;
    private final ObjectMapper json;
    private final SealedSecrets secrets;
    private final OutboundProperties properties;

    public OutboundSender(
            DataSource dataSource,
            OkHttpClient http,
            ObjectMapper json,
            SealedSecrets secrets,
            OutboundProperties properties) {
        this.db = JdbcClient.create(dataSource);
        this.http = http;
        this.json = json;
        this.secrets = secrets;
        this.properties = properties;
    }

    /** One round: sends every message that is due (at most a batch); returns how many were handled. */
    public int sendDue() {
        List<Claimed> claimed = claim();
        for (Claimed message : claimed) {
            Result result;
            try {
                result = send(message);
            } catch (IOException e) {
                result = Result.retry(null, "network: " + e.getClass().getSimpleName() + describe(e));
            } catch (RuntimeException e) {
                log.warn("Outbound {} {} of run {} failed", message.target(), message.id(), message.runId(), e);
                result = Result.retry(null, e.getClass().getSimpleName() + describe(e));
            }
            record(message, result);
        }
        return claimed.size();
    }

    private List<Claimed> claim() {
        Duration lease = properties.timeout().multipliedBy(3).plusSeconds(30);
        return db.sql("""
                        UPDATE outbound_deliveries SET attempts = attempts + 1,
                               next_attempt_at = now() + make_interval(secs => :lease)
                         WHERE id IN (SELECT id FROM outbound_deliveries
                                       WHERE status = 'pending' AND next_attempt_at <= now()
                                       ORDER BY next_attempt_at LIMIT :batch FOR UPDATE SKIP LOCKED)
                        RETURNING id, run_id, target, endpoint_id, event, attempts, request_body""")
                .param("lease", (double) lease.toSeconds())
                .param("batch", BATCH)
                .query((rs, row) -> new Claimed(
                        rs.getObject("id", UUID.class),
                        rs.getObject("run_id", UUID.class),
                        rs.getString("target"),
                        rs.getObject("endpoint_id", UUID.class),
                        rs.getString("event"),
                        rs.getInt("attempts"),
                        rs.getString("request_body")))
                .list();
    }

    private record Claimed(
            UUID id, UUID runId, String target, UUID endpointId, String event, int attempts, String body) {}

    /** How an attempt ended. */
    private record Result(String status, Integer code, String error) {
        static Result delivered(int code) {
            return new Result("delivered", code, null);
        }

        static Result retry(Integer code, String error) {
            return new Result("pending", code, error);
        }

        static Result failed(Integer code, String error) {
            return new Result("failed", code, error);
        }

        static Result skipped(String why) {
            return new Result("skipped", null, why);
        }
    }

    private Result send(Claimed message) throws IOException {
        RunNotice notice = notice(message.runId());
        if (notice == null) {
            return Result.skipped("the run no longer exists");
        }
        return switch (message.target()) {
            case "webhook" -> webhook(message, notice);
            case "github_comment" -> githubComment(message, notice);
            case "github_status" -> githubStatus(message, notice);
            default -> Result.failed(null, "unknown target " + message.target());
        };
    }

    // --- workspace webhooks ------------------------------------------------------------------------------------

    private Result webhook(Claimed message, RunNotice notice) throws IOException {
        Optional<Endpoint> endpoint = db.sql("""
                        SELECT id, workspace_id, url, secret_ciphertext FROM webhook_endpoints WHERE id = :id""")
                .param("id", message.endpointId())
                .query((rs, row) -> new Endpoint(
                        rs.getObject("id", UUID.class),
                        rs.getObject("workspace_id", UUID.class),
                        rs.getString("url"),
                        rs.getBytes("secret_ciphertext")))
                .optional();
        if (endpoint.isEmpty()) {
            return Result.skipped("the endpoint was deleted");
        }
        String body = fixedBody(message, () -> json.writeValueAsString(webhookPayload(message, notice)));
        String secret = secrets.open(
                endpoint.get().sealedSecret(),
                SecretBinding.webhookEndpointSecret(
                        endpoint.get().id(),
                        endpoint.get().workspaceId(),
                        endpoint.get().url()));
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        Request request = new Request.Builder()
                .url(endpoint.get().url())
                .post(RequestBody.create(bytes, JSON_TYPE))
                .header("User-Agent", "agent-center")
                .header("X-Agent-Center-Event", message.event())
                .header("X-Agent-Center-Delivery", message.id().toString())
                .header("X-Agent-Center-Signature-256", HmacSignature.sign(secret, bytes))
                .build();
        try (Response response = http.newCall(request).execute()) {
            return response.isSuccessful()
                    ? Result.delivered(response.code())
                    : Result.retry(response.code(), "the endpoint answered " + response.code());
        }
    }

    private record Endpoint(UUID id, UUID workspaceId, String url, byte[] sealedSecret) {}

    private Map<String, Object> webhookPayload(Claimed message, RunNotice notice) {
        Map<String, Object> run = new LinkedHashMap<>();
        run.put("id", notice.runId());
        run.put("attempt", notice.attempt());
        run.put("status", notice.status());
        run.put("source", notice.source());
        run.put("errorCode", notice.errorCode());
        run.put("errorMessage", notice.errorMessage());
        run.put("summary", clip(notice.summary(), MAX_SUMMARY));
        run.put("startedAt", string(notice.startedAt()));
        run.put("finishedAt", string(notice.finishedAt()));
        run.put("pullRequestUrl", notice.pullRequestUrl());
        run.put("pullRequestNumber", notice.pullRequestNumber());
        run.put("url", link(notice));
        Map<String, Object> task = new LinkedHashMap<>();
        task.put("id", notice.taskId());
        task.put("title", notice.taskTitle());
        task.put("workspaceId", notice.workspaceId());
        task.put("projectId", notice.projectId());
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("event", message.event());
        payload.put("deliveryId", message.id());
        payload.put("run", run);
        payload.put("task", task);
        return payload;
    }

    // --- GitHub ------------------------------------------------------------------------------------------------

    private Result githubComment(Claimed message, RunNotice notice) throws IOException {
        Integer number = notice.pullRequestNumber() != null ? notice.pullRequestNumber() : notice.issueNumber();
        if (number == null) {
            return Result.skipped("the task has no issue or pull request");
        }
        Optional<Repository> repository = repository(notice.repoConnectionId());
        if (repository.isEmpty()) {
            return Result.skipped("the task has no repository connection");
        }
        String body = fixedBody(message, () -> json.writeValueAsString(Map.of("body", commentText(notice))));
        HttpUrl url = repository
                .get()
                .api(properties)
                .addPathSegment("issues")
                .addPathSegment(number.toString())
                .addPathSegment("comments")
                .build();
        return github(url, body, repository.get());
    }

    private Result githubStatus(Claimed message, RunNotice notice) throws IOException {
        if (notice.pullRequestNumber() == null) {
            return Result.skipped("the task has no pull request");
        }
        Optional<Repository> repository = repository(notice.repoConnectionId());
        if (repository.isEmpty()) {
            return Result.skipped("the task has no repository connection");
        }
        String token = repository.get().token();
        if (token == null) {
            return Result.failed(null, "no GitHub token for " + repository.get().fullName());
        }
        HttpUrl pull = repository
                .get()
                .api(properties)
                .addPathSegment("pulls")
                .addPathSegment(notice.pullRequestNumber().toString())
                .build();
        String sha;
        try (Response response =
                http.newCall(githubRequest(pull, token).get().build()).execute()) {
            if (!response.isSuccessful()) {
                return githubFailure(response, "reading pull request #" + notice.pullRequestNumber());
            }
            JsonNode document = json.readTree(response.body().string());
            sha = document.path("head").path("sha").asString("");
        }
        if (!sha.matches("[0-9a-fA-F]{7,64}")) {
            return Result.failed(200, "GitHub's pull request has no head sha");
        }
        String body = fixedBody(message, () -> {
            Map<String, Object> status = new LinkedHashMap<>();
            status.put("state", state(notice.status()));
            status.put("target_url", link(notice));
            status.put("description", clip("Agent Center run #" + notice.attempt() + " " + notice.status(), 140));
            status.put("context", "agent-center");
            return json.writeValueAsString(status);
        });
        HttpUrl url = repository
                .get()
                .api(properties)
                .addPathSegment("statuses")
                .addPathSegment(sha)
                .build();
        return github(url, body, repository.get());
    }

    private Result github(HttpUrl url, String body, Repository repository) throws IOException {
        String token = repository.token();
        if (token == null) {
            return Result.failed(null, "no GitHub token for " + repository.fullName());
        }
        Request request = githubRequest(url, token)
                .post(RequestBody.create(body.getBytes(StandardCharsets.UTF_8), JSON_TYPE))
                .build();
        try (Response response = http.newCall(request).execute()) {
            return response.isSuccessful()
                    ? Result.delivered(response.code())
                    : githubFailure(response, "POST " + url.encodedPath());
        }
    }

    private static Request.Builder githubRequest(HttpUrl url, String token) {
        return new Request.Builder()
                .url(url)
                .header("Accept", "application/vnd.github+json")
                .header("X-GitHub-Api-Version", "2022-11-28")
                .header("User-Agent", "agent-center")
                .header("Authorization", "Bearer " + token);
    }

    /** Rate limits and GitHub's own trouble are retried; any other refusal would only be refused again. */
    private static Result githubFailure(Response response, String what) {
        int code = response.code();
        String error = "GitHub answered " + code + " to " + what;
        boolean rateLimited = code == 429 || (code == 403 && "0".equals(response.header("x-ratelimit-remaining")));
        return code >= 500 || code == 408 || rateLimited ? Result.retry(code, error) : Result.failed(code, error);
    }

    private String commentText(RunNotice notice) {
        String icon = switch (notice.status()) {
            case "completed" -> "✅";
            case "failed" -> "❌";
            default -> "⏹️";
        };
        StringBuilder text = new StringBuilder(OWN_MARKER + "\n");
        text.append(icon)
                .append(" **Agent Center** run #")
                .append(notice.attempt())
                .append(" of \"")
                .append(notice.taskTitle())
                .append("\" **")
                .append(notice.status())
                .append("**.");
        String summary = clip(notice.summary(), MAX_SUMMARY);
        if (summary != null && !summary.isBlank()) {
            text.append("\n\n> ").append(summary.strip().replace("\n", "\n> "));
        }
        if (notice.errorMessage() != null && !"completed".equals(notice.status())) {
            text.append("\n\n`")
                    .append(notice.errorCode() == null ? "error" : notice.errorCode())
                    .append("`: ")
                    .append(clip(notice.errorMessage(), MAX_ERROR));
        }
        text.append("\n\n[Open the run in Agent Center](").append(link(notice)).append(")");
        return text.toString();
    }

    private static String state(String runStatus) {
        return switch (runStatus) {
            case "completed" -> "success";
            case "failed" -> "failure";
            default -> "error";
        };
    }

    /** A connection's repository and opened token (its own, else the worker's GITHUB_TOKEN). */
    private record Repository(String owner, String repo, String token) {
        String fullName() {
            return owner + "/" + repo;
        }

        HttpUrl.Builder api(OutboundProperties properties) {
            return HttpUrl.get(properties.githubApiBaseUrl())
                    .newBuilder()
                    .addPathSegment("repos")
                    .addPathSegment(owner)
                    .addPathSegment(repo);
        }

        @Override
        public String toString() {
            return "Repository[" + fullName() + "]";
        }
    }

    private Optional<Repository> repository(UUID connectionId) {
        if (connectionId == null) {
            return Optional.empty();
        }
        return db.sql("""
                        SELECT id, workspace_id, provider, owner, repo, token_ciphertext
                          FROM repo_connections WHERE id = :id""")
                .param("id", connectionId)
                .query((rs, row) -> {
                    byte[] sealed = rs.getBytes("token_ciphertext");
                    String owner = rs.getString("owner");
                    String repo = rs.getString("repo");
                    String token = sealed == null
                            ? properties.fallbackToken().orElse(null)
                            : secrets.open(
                                    sealed,
                                    SecretBinding.repositoryToken(
                                            rs.getObject("id", UUID.class),
                                            rs.getObject("workspace_id", UUID.class),
                                            rs.getString("provider"),
                                            owner,
                                            repo));
                    return new Repository(owner, repo, token);
                })
                .optional();
    }

    // --- the run, the body, the result -------------------------------------------------------------------------

    private RunNotice notice(UUID runId) {
        return db.sql("""
                        SELECT r.id, r.task_id, t.workspace_id, t.project_id, t.title, r.attempt, r.status, r.source,
                               r.error_code, r.error_message, r.started_at, r.finished_at, t.repo_connection_id,
                               pr.pull_request_number, pr.pull_request_url,
                               (SELECT l.issue_number FROM github_task_links l WHERE l.task_id = t.id) AS issue_number,
                               (SELECT e.payload->>'text' FROM run_events e
                                 WHERE e.run_id = r.id AND e.event_type = 'agent.message'
                                 ORDER BY e.sequence DESC LIMIT 1) AS summary
                          FROM runs r JOIN tasks t ON t.id = r.task_id
                          LEFT JOIN LATERAL (
                              SELECT p.pull_request_number, p.pull_request_url FROM runs p
                               WHERE p.task_id = t.id AND p.pull_request_number IS NOT NULL
                               ORDER BY p.attempt DESC LIMIT 1) pr ON TRUE
                         WHERE r.id = :run""")
                .param("run", runId)
                .query(OutboundSender::notice)
                .optional()
                .orElse(null);
    }

    private static RunNotice notice(ResultSet rs, int row) throws SQLException {
        String error = rs.getString("error_message");
        return new RunNotice(
                rs.getObject("id", UUID.class),
                rs.getObject("task_id", UUID.class),
                rs.getObject("workspace_id", UUID.class),
                rs.getObject("project_id", UUID.class),
                rs.getString("title"),
                rs.getInt("attempt"),
                rs.getString("status"),
                rs.getString("source"),
                rs.getString("error_code"),
                error,
                Optional.ofNullable(rs.getString("summary")).orElse(error),
                instant(rs, "started_at"),
                instant(rs, "finished_at"),
                rs.getObject("repo_connection_id", UUID.class),
                (Integer) rs.getObject("pull_request_number"),
                rs.getString("pull_request_url"),
                (Integer) rs.getObject("issue_number"));
    }

    /** The body of the first attempt, kept so that every retry sends (and signs) the same bytes. */
    private String fixedBody(Claimed message, java.util.function.Supplier<String> build) {
        if (message.body() != null) {
            return message.body();
        }
        String body = build.get();
        db.sql("UPDATE outbound_deliveries SET request_body = :body WHERE id = :id AND request_body IS NULL")
                .param("body", body)
                .param("id", message.id())
                .update();
        return body;
    }

    private void record(Claimed message, Result result) {
        boolean giveUp = "pending".equals(result.status()) && message.attempts() >= properties.maxAttempts();
        String status = giveUp ? "failed" : result.status();
        Duration wait = properties.backoffAfter(message.attempts());
        db.sql("""
                        UPDATE outbound_deliveries SET status = :status, last_status_code = :code, last_error = :error,
                               next_attempt_at = CASE WHEN :status = 'pending'
                                                      THEN now() + make_interval(secs => :wait)
                                                      ELSE next_attempt_at END,
                               finished_at = CASE WHEN :status = 'pending' THEN NULL ELSE now() END
                         WHERE id = :id AND attempts = :attempts AND status = 'pending'""")
                .param("status", status)
                .param("code", result.code())
                .param("error", clip(result.error(), MAX_ERROR))
                .param("wait", wait.toMillis() / 1000.0)
                .param("id", message.id())
                .param("attempts", message.attempts())
                .update();
        log.info(
                "Outbound {} of run {} ({}): {}{} after attempt {}",
                message.target(),
                message.runId(),
                message.event(),
                status,
                result.error() == null ? "" : " (" + result.error() + ")",
                message.attempts());
    }

    private String link(RunNotice notice) {
        return properties.publicUrl() + "/tasks/" + notice.taskId();
    }

    private static String clip(String text, int max) {
        return text == null || text.length() <= max ? text : text.substring(0, max) + "…";
    }

    private static String describe(Exception e) {
        return e.getMessage() == null ? "" : " (" + clip(e.getMessage(), 200) + ")";
    }

    private static String string(Instant instant) {
        return instant == null ? null : instant.toString();
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        Timestamp value = rs.getTimestamp(column);
        return value == null ? null : value.toInstant();
    }
}
