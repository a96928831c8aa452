package dev.agentcenter.sdk;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JavaType;
import tools.jackson.databind.json.JsonMapper;

/** HTTP plumbing shared by the services: URLs, auth, JSON, error mapping and the retry policy. */
final class Transport {

    private static final MediaType JSON = MediaType.get("application/json");
    private static final String REQUEST_ID = "X-Request-Id";

    final OkHttpClient http;
    final JsonMapper json;
    final HttpUrl baseUrl;
    final String token;
    final int maxRetries;
    final Duration initialRetryDelay;
    final Duration maxRetryDelay;

    Transport(
            OkHttpClient http,
            JsonMapper json,
            HttpUrl baseUrl,
            String token,
            int maxRetries,
            Duration initialRetryDelay,
            Duration maxRetryDelay) {
        this.http = http;
        this.json = json;
        this.baseUrl = baseUrl;
        this.token = token;
        this.maxRetries = maxRetries;
        this.initialRetryDelay = initialRetryDelay;
        this.maxRetryDelay = maxRetryDelay;
    }

    /** Marks, on the request itself, that OkHttp got as far as writing it to a connection. */
    static final class Sent {
        final AtomicBoolean value = new AtomicBoolean();
    }

    /** Network interceptor: it runs once a connection exists, just before the request is written. */
    static Response markSent(okhttp3.Interceptor.Chain chain) throws IOException {
        Sent sent = chain.request().tag(Sent.class);
        if (sent != null) {
            sent.value.set(true);
        }
        return chain.proceed(chain.request());
    }

    HttpUrl url(String path, Map<String, ?> query) {
        HttpUrl.Builder url = baseUrl.newBuilder().addPathSegments(path.startsWith("/") ? path.substring(1) : path);
        if (query != null) {
            query.forEach((name, value) -> {
                if (value != null) {
                    url.addQueryParameter(name, String.valueOf(value));
                }
            });
        }
        return url.build();
    }

    JavaType type(Class<?> raw, Class<?>... parameters) {
        return json.getTypeFactory().constructParametricType(raw, parameters);
    }

    <T> T call(String method, String path, Map<String, ?> query, Object body, boolean idempotent, Class<T> type) {
        return call(method, path, query, body, idempotent, type == null ? null : json.constructType(type));
    }

    /**
     * Sends a request, retrying as the policy allows, and decodes the response.
     *
     * @param idempotent whether sending it twice has the same effect as once (then it is retried on 5xx, 429 and
     *     broken connections; otherwise only when it was certainly never sent)
     * @param type the response type, or {@code null} to ignore the body
     */
    <T> T call(String method, String path, Map<String, ?> query, Object body, boolean idempotent, JavaType type) {
        HttpUrl url = url(path, query);
        byte[] content = body == null ? null : json.writeValueAsBytes(body);
        for (int attempt = 0; ; attempt++) {
            Sent sent = new Sent();
            Request.Builder request = new Request.Builder()
                    .url(url)
                    .tag(Sent.class, sent)
                    .header("Accept", "application/json, application/problem+json, text/plain;q=0.5")
                    .method(
                            method,
                            content != null
                                    ? RequestBody.create(content, JSON)
                                    : requiresBody(method) ? RequestBody.create(new byte[0], JSON) : null);
            authorize(request);
            Duration delay;
            try (Response response = http.newCall(request.build()).execute()) {
                if (response.isSuccessful()) {
                    return decode(response, type);
                }
                AgentCenterException error = error(response);
                delay = idempotent && attempt < maxRetries ? retryDelay(response, attempt) : null;
                if (delay == null) {
                    throw error;
                }
            } catch (InterruptedIOException e) {
                if (Thread.currentThread().isInterrupted()) {
                    throw new ConnectionException("interrupted: " + method + " " + url, e);
                }
                delay = retryAfterIo(sent, idempotent, attempt, e, method, url);
            } catch (IOException e) {
                delay = retryAfterIo(sent, idempotent, attempt, e, method, url);
            }
            sleep(delay);
        }
    }

    private Duration retryAfterIo(
            Sent sent, boolean idempotent, int attempt, IOException e, String method, HttpUrl url) {
        // A request that never reached a connection cannot have had an effect, so even a POST is safe to resend.
        boolean neverSent = !sent.value.get() || notConnected(e);
        if (attempt < maxRetries && (idempotent || neverSent)) {
            return backoff(attempt);
        }
        throw new ConnectionException(
                (neverSent ? "could not connect: " : "connection failed: ") + method + " " + url + ": " + e, e);
    }

    private static boolean notConnected(IOException e) {
        return e instanceof ConnectException
                || e instanceof UnknownHostException
                || e instanceof NoRouteToHostException;
    }

    void authorize(Request.Builder request) {
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
    }

    private static boolean requiresBody(String method) {
        return method.equals("POST") || method.equals("PUT") || method.equals("PATCH");
    }

    private <T> T decode(Response response, JavaType type) throws IOException {
        if (type == null || response.code() == 204) {
            return null;
        }
        ResponseBody body = response.body();
        if (type.getRawClass() == String.class) {
            @SuppressWarnings("unchecked")
            T text = (T) body.string();
            return text;
        }
        byte[] bytes = body.bytes();
        try {
            return json.readValue(bytes, type);
        } catch (JacksonException e) {
            throw new AgentCenterException(
                    "unreadable response body: " + e.getOriginalMessage(),
                    response.code(),
                    null,
                    response.header(REQUEST_ID),
                    List.of(),
                    e);
        }
    }

    /** The problem body of an error response as a typed exception. */
    AgentCenterException error(Response response) {
        int status = response.code();
        String requestId = response.header(REQUEST_ID);
        Problem problem = null;
        try {
            String text = response.body().string();
            if (!text.isBlank()) {
                problem = json.readValue(text, Problem.class);
            }
        } catch (IOException | JacksonException e) {
            // Not a problem body (a proxy's HTML page, say): the status alone still says what happened.
        }
        String detail = problem != null && problem.detail() != null
                ? problem.detail()
                : problem != null && problem.title() != null ? problem.title() : "HTTP " + status;
        String code = problem == null ? null : problem.code();
        if (problem != null && problem.requestId() != null) {
            requestId = problem.requestId();
        }
        List<AgentCenterException.FieldError> fields =
                problem == null || problem.errors() == null ? List.of() : problem.errors();
        return switch (status) {
            case 400, 422 -> new BadRequestException(detail, status, code, requestId, fields, null);
            case 401 -> new AuthenticationException(detail, status, code, requestId, fields, null);
            case 403 -> new PermissionDeniedException(detail, status, code, requestId, fields, null);
            case 404 -> new NotFoundException(detail, status, code, requestId, fields, null);
            case 409 -> new ConflictException(detail, status, code, requestId, fields, null);
            case 413 -> new PayloadTooLargeException(detail, status, code, requestId, fields, null);
            case 429 -> new RateLimitException(detail, status, code, requestId, fields, null);
            default ->
                status >= 500
                        ? new ServerException(detail, status, code, requestId, fields, null)
                        : new AgentCenterException(detail, status, code, requestId, fields, null);
        };
    }

    /** RFC 9457 problem details as this API sends them. */
    record Problem(
            String type,
            String title,
            Integer status,
            String detail,
            String code,
            String requestId,
            List<AgentCenterException.FieldError> errors) {}

    /** How long to wait before retrying a failed response, or {@code null} if it should not be retried. */
    private Duration retryDelay(Response response, int attempt) {
        int status = response.code();
        if (status != 429 && status != 500 && status != 502 && status != 503 && status != 504) {
            return null;
        }
        String retryAfter = response.header("Retry-After");
        if (retryAfter != null && (status == 429 || status == 503)) {
            Duration asked = parseRetryAfter(retryAfter);
            if (asked != null) {
                // The server said when it can take the request again; a wait longer than our ceiling is not
                // worth blocking the caller for, so that is reported instead.
                return asked.compareTo(maxRetryDelay) > 0 ? null : asked;
            }
        }
        return backoff(attempt);
    }

    static Duration parseRetryAfter(String value) {
        try {
            return Duration.ofSeconds(Math.max(0, Long.parseLong(value.trim())));
        } catch (NumberFormatException notSeconds) {
            try {
                ZonedDateTime at = ZonedDateTime.parse(value.trim(), DateTimeFormatter.RFC_1123_DATE_TIME);
                Duration until = Duration.between(ZonedDateTime.now(at.getZone()), at);
                return until.isNegative() ? Duration.ZERO : until;
            } catch (RuntimeException notADate) {
                return null;
            }
        }
    }

    /**
     * Exponential backoff: {@code initial × 2^attempt}, at most the maximum, with 75–100 % jitter so that many
     * clients failing together do not retry together, and never below the initial delay.
     */
    Duration backoff(int attempt) {
        long initial = initialRetryDelay.toNanos();
        long exponential = initial * (1L << Math.min(attempt, 20));
        long capped = Math.min(exponential, maxRetryDelay.toNanos());
        long jittered = (long) (capped * ThreadLocalRandom.current().nextDouble(0.75, 1.0));
        return Duration.ofNanos(Math.max(jittered, Math.min(initial, capped)));
    }

    static void sleep(Duration delay) {
        try {
            Thread.sleep(delay);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ConnectionException("interrupted while waiting to retry", e);
        }
    }
}
