package dev.agentcenter.runner.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.agentcenter.runner.RunnerApplication;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.Environment;

/**
 * A second runner, started and stopped inside the test: on shutdown it stops accepting runs, lets running
 * commands finish within RUNNER_DRAIN_TIMEOUT, then cancels the rest (their output kept).
 */
class RunnerShutdownTest extends RunnerFixture {

    @Autowired
    Environment environment;

    @Test
    void drainsThenCancelsWhatIsStillRunning() throws Exception {
        // command-line arguments: they outrank application.yml (builder properties would not)
        ConfigurableApplicationContext draining = new SpringApplicationBuilder(RunnerApplication.class)
                .run(
                        "--server.port=0",
                        "--server.address=127.0.0.1",
                        "--spring.datasource.url=" + environment.getProperty("spring.datasource.url"),
                        "--spring.datasource.username=" + environment.getProperty("spring.datasource.username"),
                        "--spring.datasource.password=" + environment.getProperty("spring.datasource.password", ""),
                        "--agent-center.runner.name=draining-runner",
                        "--agent-center.runner.shell=bash -c",
                        "--agent-center.runner.login-environment=false",
                        "--agent-center.runner.internal-token=" + TOKEN,
                        "--agent-center.runner.workspace-root=" + ROOT.resolve("draining"),
                        "--agent-center.execution.drain-timeout=3s",
                        "--agent-center.execution.cancel-grace=1s");
        int drainingPort =
                ((WebServerApplicationContext) draining).getWebServer().getPort();
        Handle quick = queue(newTask(null), List.of(command("echo quick; sleep 1; echo finished")));
        Handle slow = queue(newTask(null), List.of(command("echo started; sleep 1000")));
        assertThat(send(drainingPort, body(quick)).statusCode()).isEqualTo(202);
        assertThat(send(drainingPort, body(slow)).statusCode()).isEqualTo(202);
        await().atMost(Duration.ofSeconds(30))
                .until(() ->
                        logLines(slow).contains("started") && logLines(quick).contains("quick"));

        RunSupervisor supervisor = draining.getBean(RunSupervisor.class);
        Thread closing = Thread.ofPlatform().start(draining::close);
        // Offered only once the runner has begun to drain: before that it would rightly take the run.
        await().atMost(Duration.ofSeconds(30)).until(() -> !supervisor.accepting());
        Handle late = queue(newTask(null), List.of(command("echo too late")));
        await().atMost(Duration.ofSeconds(10))
                .until(() -> send(drainingPort, body(late)).statusCode() == 503);
        closing.join(Duration.ofSeconds(60));

        assertThat(closing.isAlive()).isFalse();
        awaitStatus(quick, "completed");
        assertThat(logLines(quick)).containsExactly("quick", "finished");
        awaitStatus(slow, "cancelled");
        assertThat(column(slow, "error_message")).contains("runner shut down");
        assertThat(logLines(slow)).containsExactly("started");
        assertThat(column(late, "status")).as("never accepted").isEqualTo("provisioning");
        assertThat(db.sql("SELECT status FROM runners WHERE name = 'draining-runner'")
                        .query(String.class)
                        .single())
                .isEqualTo("offline");
    }

    private static HttpResponse<String> send(int port, String json) throws Exception {
        return HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/internal/runs/execute"))
                                .header("Authorization", "Bearer " + TOKEN)
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString(json))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
    }
}
