package dev.agentcenter.api.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentcenter.api.ApiTestBase;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;

/** {@code /actuator/prometheus} on the API's own port, behind the API token; the health probes stay open. */
class MetricsApiTest {

    @Nested
    @TestPropertySource(properties = "agent-center.api.token=metrics-token")
    class WhenATokenIsConfigured extends ApiTestBase {

        @Test
        void metricsNeedTheTokenAndProbesDoNot() {
            get("/actuator/prometheus").expectProblem(401, "unauthorized");
            send("GET", "/actuator/prometheus", null, "wrong").expectProblem(401, "invalid_token");
            // a spelling of the path that decodes to it is the same route
            get("/%61ctuator/prometheus").expectProblem(401, "unauthorized");
            get("/actuator").expectProblem(401, "unauthorized");

            Answer metrics =
                    send("GET", "/actuator/prometheus", null, "metrics-token").expect(200);
            String text = metrics.raw().body();
            assertThat(text)
                    .contains("agentcenter_realtime_subscribers{")
                    .contains("transport=\"websocket\"")
                    .contains("transport=\"sse\"")
                    .contains("agentcenter_listen_reconnects_total")
                    .contains("agentcenter_run_events_written_total")
                    .contains("service=\"api\"");

            get("/actuator/health/liveness").expect(200);
            get("/actuator/health/readiness").expect(200);
        }
    }

    @Nested
    class WhenNoTokenIsConfigured extends ApiTestBase {

        @Test
        void metricsAreOpenLikeTheApi() {
            assertThat(get("/actuator/prometheus").expect(200).raw().body()).contains("agentcenter_");
        }
    }
}
