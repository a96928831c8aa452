package dev.agentcenter.runner.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * Budgets, enforced where the runner sees the agent's usage: the fake Codex reports the recorded turn's usage (4000
 * input tokens, 800 of them cached, 200 output: 4200 tokens) and then keeps working until it is stopped.
 */
class RunBudgetTest extends AgentFixture {

    @DynamicPropertySource
    static void settings(DynamicPropertyRegistry registry) {
        AgentRunTest.agentSettings(registry);
        // 3200 * $1 + 800 * $0.1 + 200 * $10 per million = $0.00528 for the recorded turn
        registry.add("agent-center.usage.prices", () -> "gpt-test=1/0.1/10");
    }

    @BeforeEach
    void aStoredKey() {
        storeCredential("openai", "api_key", "sk-proj-" + "budgetkeyABCDEFGHIJKLMNOPQRSTUV0123456789");
    }

    @Test
    void aRunReachingItsTokenBudgetIsStoppedKeepingItsWorkAndDeliveringNothing() {
        String marker = uniqueSleepSeconds();
        Map<String, Object> agent = agent("codex", "gpt-test");
        agent.put("maxTokens", 1000);
        Handle run = budgeted(agent, marker);

        execute(run);
        awaitStatus(run, "failed");
        await().atMost(Duration.ofSeconds(30)).until(() -> processesWith(marker) == 0);

        assertThat(column(run, "error_code")).isEqualTo("budget_exceeded");
        assertThat(column(run, "error_message")).contains("1000 tokens (config.agent.maxTokens)");
        List<JsonNode> events = events(run);
        JsonNode stop = first(events, "run.budget_exceeded");
        assertThat(stop.get("level").asString()).isEqualTo("warn");
        assertThat(stop.get("payload").get("budget").asString()).isEqualTo("run_tokens");
        assertThat(stop.get("payload").get("usedTokens").asLong()).isEqualTo(4200);
        // the work so far is kept (the diff), nothing after the agent ran, nothing was delivered
        assertThat(types(events)).contains("agent.usage", "agent.finished", "run.failed");
        assertThat(types(events))
                .noneMatch(type -> type.equals("run.command.started") || type.startsWith("git.commit"));
        assertThat(diffFiles(run)).contains("hello.txt");

        // the stop is counted in the runner's metrics, which need the internal token
        assertThat(get("/actuator/prometheus", null).status()).isEqualTo(401);
        assertThat(get("/actuator/prometheus", "Bearer wrong").status()).isEqualTo(401);
        Answer metrics = get("/actuator/prometheus", "Bearer " + TOKEN);
        assertThat(metrics.status()).isEqualTo(200);
        assertThat(metrics.rawBody())
                .contains("agentcenter_budget_stops_total{budget=\"run_tokens\"")
                .contains("agentcenter_run_duration_seconds_bucket{")
                .contains("status=\"failed\"")
                .contains("agentcenter_run_dispatch_to_start_seconds_count")
                .contains("agentcenter_redaction_hits_total")
                .contains("agentcenter_run_events_written_total");
        assertThat(get("/actuator/health/liveness", null).status()).isEqualTo(200);
        assertThat(get("/actuator/health/readiness", null).status()).isEqualTo(200);
    }

    @Test
    void aCostBudgetUsesThePriceTableWhenTheCliReportsNoCost() {
        String marker = uniqueSleepSeconds();
        Map<String, Object> agent = agent("codex", "gpt-test");
        agent.put("maxCostUsd", 0.005);
        agent.put("maxTokens", 1_000_000);
        Handle run = budgeted(agent, marker);

        execute(run);
        awaitStatus(run, "failed");
        await().atMost(Duration.ofSeconds(30)).until(() -> processesWith(marker) == 0);

        JsonNode stop = first(events(run), "run.budget_exceeded").get("payload");
        assertThat(stop.get("budget").asString()).isEqualTo("run_cost");
        assertThat(stop.get("usedCostUsd").asDouble()).isCloseTo(0.00528, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(column(run, "error_code")).isEqualTo("budget_exceeded");
    }

    @Test
    void aRunUnderItsBudgetCompletes() {
        Map<String, Object> agent = agent("codex", "gpt-test");
        agent.put("maxTokens", 10_000);
        agent.put("maxCostUsd", 1);
        Handle run = queueAgent(newTask(null), "api", "Work scenario=basic", agent, List.of("cat hello.txt"), "safe");

        execute(run);
        awaitStatus(run, "completed");
        assertThat(types(events(run))).doesNotContain("run.budget_exceeded").contains("run.command.started");
    }

    @Test
    void aSpentWorkspaceBudgetStopsTheRunBeforeTheAgentStarts() {
        UUID task = newTask(null);
        UUID workspace = db.sql("SELECT workspace_id FROM tasks WHERE id = :t")
                .param("t", task)
                .query(UUID.class)
                .single();
        db.sql("UPDATE workspaces SET budget_period = 'month', budget_max_tokens = 500 WHERE id = :w")
                .param("w", workspace)
                .update();
        // an earlier run of the workspace used 600 tokens this month
        UUID earlier = db.sql("""
                        INSERT INTO runs (task_id, attempt, status, permission_mode, finished_at)
                        VALUES (:t, 1, 'completed', 'safe', now()) RETURNING id""").param("t", task).query(UUID.class).single();
        db.sql("""
                        INSERT INTO run_events (run_id, sequence, event_type, payload)
                        VALUES (:r, 1, 'agent.usage', '{"provider": "codex", "inputTokens": 500, "outputTokens": 100}')""").param("r", earlier).update();

        Handle run = queueAgent(task, "api", "Work scenario=basic", agent("codex", null), List.of("echo x"), "safe");
        execute(run);
        awaitStatus(run, "failed");

        assertThat(column(run, "error_code")).isEqualTo("budget_exceeded");
        List<JsonNode> events = events(run);
        assertThat(first(events, "run.budget_exceeded")
                        .get("payload")
                        .get("budget")
                        .asString())
                .isEqualTo("workspace_tokens");
        assertThat(types(events)).doesNotContain("agent.started", "run.command.started");
    }

    private Handle budgeted(Map<String, Object> agent, String marker) {
        UUID task = newTask(null);
        Handle run = queueAgent(
                task, "api", "Work scenario=more marker=" + marker, agent, List.of("echo after the agent"), "safe");
        db.sql("UPDATE runs SET config = config || '{\"commitMessage\": \"would be delivered\"}' WHERE id = :id")
                .param("id", run.runId())
                .update();
        return run;
    }

    private String diffFiles(Handle run) {
        return db.sql("SELECT files::text FROM run_diffs WHERE run_id = :id")
                .param("id", run.runId())
                .query(String.class)
                .single();
    }
}
