package dev.agentcenter.worker.queue;

import dev.agentcenter.support.ledger.RunEvents;
import dev.agentcenter.support.ledger.WaitingReasons;
import dev.agentcenter.support.listen.PostgresListener;
import dev.agentcenter.worker.WorkerId;
import dev.agentcenter.worker.WorkerProperties;
import javax.sql.DataSource;
import okhttp3.OkHttpClient;
import org.springframework.boot.jdbc.autoconfigure.JdbcConnectionDetails;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.support.TransactionTemplate;

/** Wires the claim-and-dispatch loop: one OkHttp client for all runners, one listener connection per process. */
@Configuration(proxyBeanMethods = false)
class QueueConfiguration {

    @Bean(destroyMethod = "")
    OkHttpClient runnerHttpClient(WorkerProperties properties) {
        return runnerHttpClient(properties.dispatchTimeout());
    }

    @Bean
    DispatchLoop dispatchLoop(
            DataSource dataSource,
            TransactionTemplate transactions,
            RunEvents events,
            OkHttpClient runnerHttpClient,
            JdbcConnectionDetails connection,
            WorkerProperties properties,
            SchedulingProperties scheduling,
            WorkerId workerId,
            QueueMetrics metrics) {
        DispatchLoop loop = dispatchLoop(
                dataSource,
                transactions,
                events,
                runnerHttpClient,
                listenerConnection(connection.getJdbcUrl(), connection.getUsername(), connection.getPassword()),
                properties,
                scheduling,
                workerId.value());
        loop.onAccepted(metrics::dispatched);
        return loop;
    }

    /** The one client: it pools connections to runners; the whole call is bounded by the dispatch timeout. */
    static OkHttpClient runnerHttpClient(java.time.Duration timeout) {
        return new OkHttpClient.Builder()
                .connectTimeout(timeout)
                .readTimeout(timeout)
                .writeTimeout(timeout)
                .callTimeout(timeout)
                // A silent retry would be a dispatch attempt nobody counted.
                .retryOnConnectionFailure(false)
                .followRedirects(false)
                .build();
    }

    /** Opens the LISTEN connection directly with the driver: a pooled one could be recycled and lose its LISTEN. */
    static PostgresListener.ConnectionOpener listenerConnection(String url, String username, String password) {
        return PostgresListener.direct(url, username, password, "agent-center-worker-listener");
    }

    /** Assembles a loop with the default scheduling settings (tests). */
    static DispatchLoop dispatchLoop(
            DataSource dataSource,
            TransactionTemplate transactions,
            RunEvents events,
            OkHttpClient http,
            PostgresListener.ConnectionOpener listenerConnection,
            WorkerProperties properties,
            String workerId) {
        return dispatchLoop(
                dataSource,
                transactions,
                events,
                http,
                listenerConnection,
                properties,
                SchedulingProperties.defaults(),
                workerId);
    }

    /** Assembles a loop; also used by tests that run several "workers" in one JVM. */
    static DispatchLoop dispatchLoop(
            DataSource dataSource,
            TransactionTemplate transactions,
            RunEvents events,
            OkHttpClient http,
            PostgresListener.ConnectionOpener listenerConnection,
            WorkerProperties properties,
            SchedulingProperties scheduling,
            String workerId) {
        JdbcClient db = JdbcClient.create(dataSource);
        return new DispatchLoop(
                new RunClaimer(db, transactions, events, properties, scheduling, workerId),
                () -> transactions.executeWithoutResult(status -> new WaitingReasons(db, events)
                        .refresh(
                                properties.runnerStaleAfter(),
                                scheduling.affinityMaxWait(),
                                scheduling.waitingScanLimit())),
                new RunnerClient(http, properties.runnerTokenConfigured() ? properties.runnerInternalToken() : ""),
                new DispatchOutcomes(db, transactions, events, properties, workerId),
                () -> new PostgresListener(listenerConnection, DispatchLoop.CHANNELS),
                properties,
                workerId);
    }
}
