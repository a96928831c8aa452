package dev.agentcenter.worker.queue;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** {@code POST <runner>/internal/runs/execute}: asks a runner to start a claimed run. */
final class RunnerClient {

    private static final MediaType JSON_TYPE = MediaType.get("application/json");
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final int MAX_DETAIL = 300;

    private final OkHttpClient http;
    private final String token;
    private final long timeoutMillis;

    RunnerClient(OkHttpClient http, String token) {
        this.http = http;
        this.token = token;
        this.timeoutMillis = http.callTimeoutMillis();
    }

    DispatchResult dispatch(ClaimedRun run) {
        RunnerTarget runner = run.runner();
        String base = runner.baseUrl().endsWith("/")
                ? runner.baseUrl().substring(0, runner.baseUrl().length() - 1)
                : runner.baseUrl();
        HttpUrl url = HttpUrl.parse(base + "/internal/runs/execute");
        if (url == null) {
            return DispatchResult.retry(
                    "runner " + runner.name() + " has an unusable base URL (" + runner.baseUrl() + ")");
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("runId", run.runId().toString());
        body.put("attempt", run.attempt());
        body.put("leaseToken", run.leaseToken().toString());
        Request request = new Request.Builder()
                .url(url)
                .header("Authorization", "Bearer " + token)
                .post(RequestBody.create(JSON.writeValueAsString(body), JSON_TYPE))
                .build();
        try (Response response = http.newCall(request).execute()) {
            int code = response.code();
            JsonNode answer = readJson(response);
            return switch (code) {
                case 200, 202 ->
                    DispatchResult.accepted(
                            answer != null && answer.path("alreadyActive").asBoolean(false) ? "already active" : "");
                case 401, 403 ->
                    new DispatchResult(
                            DispatchResult.Kind.AUTH_REJECTED, "runner " + runner.name() + " answered HTTP " + code);
                case 409 ->
                    new DispatchResult(
                            DispatchResult.Kind.NOT_DISPATCHABLE,
                            "runner " + runner.name() + " answered HTTP 409" + problem(answer));
                case 429 ->
                    DispatchResult.retry("runner " + runner.name() + " is busy (HTTP 429" + problem(answer) + ")");
                case 503 ->
                    DispatchResult.retry(
                            "runner " + runner.name() + " is unavailable (HTTP 503" + problem(answer) + ")");
                default -> DispatchResult.retry("runner " + runner.name() + " answered HTTP " + code + problem(answer));
            };
        } catch (InterruptedIOException e) {
            return DispatchResult.retry(
                    "runner " + runner.name() + " did not answer within " + timeoutMillis + " ms (" + url + ")");
        } catch (IOException e) {
            return DispatchResult.retry(
                    "runner " + runner.name() + " could not be reached at " + url + ": " + e.getMessage());
        }
    }

    /** The answer as JSON, when it is small JSON; runners answer problem+json on errors. */
    private static JsonNode readJson(Response response) throws IOException {
        String text = response.peekBody(8192).string();
        if (text.isBlank()) {
            return null;
        }
        try {
            return JSON.readTree(text);
        } catch (JacksonException e) {
            return null;
        }
    }

    /** {@code " runner_busy: detail"} from a problem answer, or nothing. */
    private static String problem(JsonNode answer) {
        if (answer == null || !answer.isObject()) {
            return "";
        }
        String code = answer.path("code").asString("");
        String detail = answer.path("detail").asString("");
        if (detail.length() > MAX_DETAIL) {
            detail = detail.substring(0, MAX_DETAIL) + "…";
        }
        String text = code.isEmpty() ? detail : detail.isEmpty() ? code : code + ": " + detail;
        return text.isEmpty() ? "" : " " + text;
    }
}
