package dev.agentcenter.runner.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentcenter.runner.RunnerTestBase;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;

class RunnerHttpTest {

    private static final String TOKEN = "runner-test-token-3f9a";

    private static void assertProblem(RunnerTestBase.Answer answer, int status, String code) {
        assertThat(answer.status()).as("status, body: %s", answer.rawBody()).isEqualTo(status);
        assertThat(answer.contentType()).startsWith("application/problem+json");
        assertThat(answer.body().get("code").asString()).isEqualTo(code);
        assertThat(answer.body().get("status").asInt()).isEqualTo(status);
    }

    @Nested
    @TestPropertySource(properties = "agent-center.runner.internal-token=" + TOKEN)
    class WithAnInternalToken extends RunnerTestBase {

        @Test
        void healthIsOpenAndReportsTheDatabase() {
            Answer health = get("/health", null);

            assertThat(health.status()).isEqualTo(200);
            assertThat(health.body().get("service").asString()).isEqualTo("runner");
            assertThat(health.body().get("status").asString()).isEqualTo("ok");
            assertThat(health.body().get("database").asString()).isEqualTo("up");
            assertThat(health.body().get("name").asString()).isNotBlank();
        }

        @Test
        void internalRoutesNeedTheToken() {
            assertProblem(get("/internal/ping", null), 401, "unauthorized");
            assertProblem(get("/internal/ping", "Bearer wrong-token"), 401, "unauthorized");
            assertProblem(get("/internal/ping", "Bearer " + TOKEN + "x"), 401, "unauthorized");
            assertProblem(get("/internal/ping", "Basic " + TOKEN), 401, "unauthorized");
            assertProblem(get("/internal/ping", "Bearer "), 401, "unauthorized");

            Answer ok = get("/internal/ping", "Bearer " + TOKEN);
            assertThat(ok.status()).isEqualTo(200);
            assertThat(ok.body().get("ok").asBoolean()).isTrue();
        }

        @Test
        void unknownInternalRoutesAreGuardedBeforeTheyAreRouted() {
            assertProblem(get("/internal/runs/execute", null), 401, "unauthorized");
            assertProblem(get("/internal", null), 401, "unauthorized");
            assertThat(get("/internal/no-such-route", "Bearer " + TOKEN).status())
                    .isEqualTo(404);
        }

        @Test
        void badRunRequestsAreProblemsWithAStableCode() {
            String auth = "Bearer " + TOKEN;
            String run = java.util.UUID.randomUUID().toString();
            String lease = java.util.UUID.randomUUID().toString();

            assertProblem(postJson("/internal/runs/execute", "{not json", auth), 400, "malformed_request");
            assertProblem(postJson("/internal/runs/execute", "", auth), 400, "malformed_request");
            assertProblem(
                    postJson("/internal/runs/execute", "{\"runId\":\"nope\",\"attempt\":1}", auth),
                    400,
                    "malformed_request");
            Answer invalid = postJson("/internal/runs/execute", "{\"runId\":\"" + run + "\",\"attempt\":0}", auth);
            assertProblem(invalid, 400, "validation_failed");
            assertThat(invalid.body().get("errors").findValuesAsString("field"))
                    .containsExactlyInAnyOrder("attempt", "leaseToken");
            assertProblem(
                    postJson(
                            "/internal/runs/execute",
                            "{\"runId\":\"" + run + "\",\"attempt\":1,\"leaseToken\":\"" + lease + "\"}",
                            auth),
                    409,
                    "run_not_dispatchable");
            assertProblem(get("/internal/runs/execute", auth), 405, "method_not_allowed");
            assertProblem(postJson("/internal/runs/not-a-uuid/cancel", "", auth), 400, "invalid_parameter");
            assertProblem(postJson("/internal/runs/" + run + "/cancel", "", auth), 404, "run_not_here");
            assertProblem(get("/internal/no-such-route", auth), 404, "not_found");
        }

        @Test
        void otherSpellingsOfAnInternalPathAreGuardedToo() {
            assertProblem(get("/internal;x=1/ping", null), 401, "unauthorized");
            assertProblem(get("/health/../internal/ping", null), 401, "unauthorized");
            assertProblem(get("/%69nternal/ping", null), 401, "unauthorized");
        }
    }

    @Nested
    @TestPropertySource(properties = "agent-center.runner.internal-token=")
    class WithoutAnInternalToken extends RunnerTestBase {

        @Test
        void internalRoutesAreClosed() {
            assertProblem(get("/internal/ping", null), 503, "internal_token_missing");
            assertProblem(get("/internal/ping", "Bearer anything"), 503, "internal_token_missing");
            assertThat(get("/health", null).status()).isEqualTo(200);
            // the metrics follow the internal routes' rule; the health probes stay open
            assertProblem(get("/actuator/prometheus", null), 503, "internal_token_missing");
            assertProblem(get("/%61ctuator/prometheus", "Bearer anything"), 503, "internal_token_missing");
            assertThat(get("/actuator/health/liveness", null).status()).isEqualTo(200);
        }
    }
}
