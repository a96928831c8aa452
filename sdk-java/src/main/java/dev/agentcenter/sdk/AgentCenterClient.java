package dev.agentcenter.sdk;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * Entry point of the SDK: one client per API server, handing out one service per resource.
 *
 * <pre>{@code
 * try (AgentCenterClient client = AgentCenterClient.builder()
 *         .baseUrl("http://localhost:3000")
 *         .token(System.getenv("AGENT_CENTER_API_TOKEN"))
 *         .build()) {
 *     Workspace workspace = client.workspaces().create(new CreateWorkspaceRequest("demo", "Demo", null, null));
 * }
 * }</pre>
 *
 * <p>A client is thread-safe and meant to be shared; it owns one connection pool and one background thread for
 * stream reconnects. {@link #close()} releases them.
 */
public final class AgentCenterClient implements AutoCloseable {

    private final Transport transport;
    private final boolean ownsHttpClient;
    private final ScheduledExecutorService scheduler;
    private final WorkspaceService workspaces;
    private final ProjectService projects;
    private final RepoConnectionService repoConnections;
    private final TaskService tasks;
    private final RunService runs;
    private final AutomationService automations;
    private final RunnerService runners;
    private final UsageService usage;

    private AgentCenterClient(Builder builder) {
        JsonMapper json = JsonMapper.builder()
                // Newer servers may add fields; old clients must keep working.
                .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                // Absent rather than null, so that a PATCH only touches the fields that were set.
                .changeDefaultPropertyInclusion(incl -> incl.withValueInclusion(JsonInclude.Include.NON_NULL))
                .build();
        OkHttpClient http = (builder.httpClient != null ? builder.httpClient.newBuilder() : new OkHttpClient.Builder())
                .connectTimeout(builder.connectTimeout)
                .readTimeout(builder.readTimeout)
                .writeTimeout(builder.readTimeout)
                .addNetworkInterceptor(Transport::markSent)
                .build();
        // A caller's OkHttpClient shares its dispatcher and pool with ours: those are the caller's to shut down.
        this.ownsHttpClient = builder.httpClient == null;
        this.transport = new Transport(
                http,
                json,
                builder.baseUrl,
                builder.token,
                builder.maxRetries,
                builder.initialRetryDelay,
                builder.maxRetryDelay);
        this.scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "agent-center-sdk-scheduler");
            thread.setDaemon(true);
            return thread;
        });
        this.workspaces = new WorkspaceService(transport);
        this.projects = new ProjectService(transport);
        this.repoConnections = new RepoConnectionService(transport);
        this.tasks = new TaskService(transport);
        this.runs = new RunService(transport, scheduler, builder.streamReconnectAttempts);
        this.automations = new AutomationService(transport);
        this.runners = new RunnerService(transport);
        this.usage = new UsageService(transport);
    }

    /**
     * Starts configuring a client.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Workspaces: the top-level containers.
     *
     * @return the workspace service
     */
    public WorkspaceService workspaces() {
        return workspaces;
    }

    /**
     * Projects inside workspaces.
     *
     * @return the project service
     */
    public ProjectService projects() {
        return projects;
    }

    /**
     * GitHub repository connections.
     *
     * @return the repository connection service
     */
    public RepoConnectionService repoConnections() {
        return repoConnections;
    }

    /**
     * Tasks, their follow-ups and cancellation.
     *
     * @return the task service
     */
    public TaskService tasks() {
        return tasks;
    }

    /**
     * Runs: queueing, events, logs, diffs, live streams and waiting for completion.
     *
     * @return the run service
     */
    public RunService runs() {
        return runs;
    }

    /**
     * Scheduled automations.
     *
     * @return the automation service
     */
    public AutomationService automations() {
        return automations;
    }

    /**
     * Registered runners (read-only).
     *
     * @return the runner service
     */
    public RunnerService runners() {
        return runners;
    }

    /**
     * Agent usage and cost, and workspace budgets.
     *
     * @return the usage service
     */
    public UsageService usage() {
        return usage;
    }

    /**
     * Closes open streams and releases the connection pool and threads (but not those of an OkHttp client passed to
     * {@link Builder#httpClient}). Idempotent.
     */
    @Override
    public void close() {
        runs.closeStreams();
        scheduler.shutdownNow();
        if (ownsHttpClient) {
            transport.http.dispatcher().executorService().shutdown();
            transport.http.connectionPool().evictAll();
        }
        try {
            scheduler.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Configures an {@link AgentCenterClient}. Only {@link #baseUrl(String)} is required. */
    public static final class Builder {

        private HttpUrl baseUrl;
        private String token;
        private Duration connectTimeout = Duration.ofSeconds(10);
        private Duration readTimeout = Duration.ofSeconds(60);
        private int maxRetries = 2;
        private Duration initialRetryDelay = Duration.ofMillis(500);
        private Duration maxRetryDelay = Duration.ofSeconds(5);
        private int streamReconnectAttempts = 10;
        private OkHttpClient httpClient;

        private Builder() {}

        /**
         * The API's address, such as {@code http://localhost:3000}; the WebSocket address is derived from it.
         *
         * @param baseUrl an {@code http} or {@code https} URL
         * @return this builder
         * @throws IllegalArgumentException if it is not an http(s) URL
         */
        public Builder baseUrl(String baseUrl) {
            HttpUrl parsed = HttpUrl.parse(Objects.requireNonNull(baseUrl, "baseUrl"));
            if (parsed == null) {
                throw new IllegalArgumentException("not an http(s) URL: " + baseUrl);
            }
            this.baseUrl = parsed;
            return this;
        }

        /**
         * The API token ({@code AGENT_CENTER_API_TOKEN} of the server), sent as {@code Authorization: Bearer …}.
         *
         * @param token the token, or {@code null} (or blank) for a server without one
         * @return this builder
         */
        public Builder token(String token) {
            this.token = token == null || token.isBlank() ? null : token;
            return this;
        }

        /**
         * How long to wait for a TCP connection. Default 10 s.
         *
         * @param timeout a positive duration
         * @return this builder
         */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = positive(timeout, "connectTimeout");
            return this;
        }

        /**
         * How long a response (and each read of it) may take. Default 60 s. Does not apply to live streams, which
         * are kept alive with WebSocket pings.
         *
         * @param timeout a positive duration
         * @return this builder
         */
        public Builder readTimeout(Duration timeout) {
            this.readTimeout = positive(timeout, "readTimeout");
            return this;
        }

        /**
         * How many times a failed call is retried. Default 2. Idempotent calls (reads, updates, deletes, cancel,
         * enable/disable) are retried on 429, 5xx and broken connections; every call is retried when it could not
         * connect, since then the server never saw it.
         *
         * @param maxRetries 0 to disable retries
         * @return this builder
         */
        public Builder maxRetries(int maxRetries) {
            if (maxRetries < 0) {
                throw new IllegalArgumentException("maxRetries must not be negative");
            }
            this.maxRetries = maxRetries;
            return this;
        }

        /**
         * The backoff between retries: exponential from {@code initial} up to {@code max}, with jitter. A
         * {@code Retry-After} sent with 429 or 503 is honoured instead, unless it is longer than {@code max}.
         * Defaults 500 ms and 5 s.
         *
         * @param initial delay before the first retry
         * @param max the longest delay
         * @return this builder
         */
        public Builder retryDelays(Duration initial, Duration max) {
            this.initialRetryDelay = positive(initial, "initial");
            this.maxRetryDelay = positive(max, "max");
            if (max.compareTo(initial) < 0) {
                throw new IllegalArgumentException("max must not be shorter than initial");
            }
            return this;
        }

        /**
         * How many reconnects in a row, without receiving anything in between, a live stream tries before it
         * reports failure. Default 10.
         *
         * @param attempts at least 0
         * @return this builder
         */
        public Builder streamReconnectAttempts(int attempts) {
            if (attempts < 0) {
                throw new IllegalArgumentException("attempts must not be negative");
            }
            this.streamReconnectAttempts = attempts;
            return this;
        }

        /**
         * An OkHttp client to derive the SDK's from (proxies, TLS, event listeners, interceptors). Its timeouts are
         * replaced by this builder's. Use this for testing or advanced use cases.
         *
         * @param httpClient the base client
         * @return this builder
         */
        public Builder httpClient(OkHttpClient httpClient) {
            this.httpClient = Objects.requireNonNull(httpClient, "httpClient");
            return this;
        }

        /**
         * Creates the client.
         *
         * @return a new client
         * @throws IllegalStateException if no base URL was given
         */
        public AgentCenterClient build() {
            if (baseUrl == null) {
                throw new IllegalStateException("baseUrl is required");
            }
            return new AgentCenterClient(this);
        }

        private static Duration positive(Duration duration, String name) {
            if (duration == null || duration.isNegative() || duration.isZero()) {
                throw new IllegalArgumentException(name + " must be positive");
            }
            return duration;
        }
    }
}
