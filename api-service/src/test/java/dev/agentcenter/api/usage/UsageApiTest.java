package dev.agentcenter.api.usage;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentcenter.api.ApiTestBase;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * {@code GET /api/usage} and workspace budgets, over usage events as runners write them ({@code agent.usage}, one
 * run's figures each: Codex without a cost, Claude Code with one and with cache reads counted apart).
 */
@TestPropertySource(properties = "agent-center.usage.prices=gpt-5=1/0.1/10; claude=3/0.3/15")
class UsageApiTest extends ApiTestBase {

    private static final String TODAY = LocalDate.now(ZoneOffset.UTC).toString();

    @Test
    void sumsUsageByDayTaskProviderAndModelPricingWhatTheCliDidNotReport() {
        UUID workspace = newWorkspace();
        UUID codexTask = task(workspace, "codex work", "codex", "gpt-5");
        UUID claudeTask = task(workspace, "claude work", "claude", null);
        // Codex: 1000 input (200 cached), 100 output (30 reasoning), no cost: priced as
        // 800 * $1 + 200 * $0.1 + 100 * $10 per million = $0.00182.
        usage(run(codexTask, 1), codex(1000, 200, 100, 30));
        // Claude: 500 input + 300 cache reads + 100 cache writes, 50 output, $0.01 as the CLI reports it.
        usage(run(claudeTask, 1), claude(500, 300, 100, 50, 0.01));
        // another workspace's usage is not counted
        usage(run(task(newWorkspace(), "elsewhere", "codex", "gpt-5"), 1), codex(7, 0, 7, 0));

        JsonNode byProvider = get("/api/usage?workspaceId=" + workspace + "&groupBy=provider")
                .expect(200)
                .body();
        JsonNode totals = byProvider.get("totals");
        assertThat(totals.get("runs").asLong()).isEqualTo(2);
        assertThat(totals.get("inputTokens").asLong()).isEqualTo(1000 + 900);
        assertThat(totals.get("cachedInputTokens").asLong()).isEqualTo(500);
        assertThat(totals.get("outputTokens").asLong()).isEqualTo(150);
        assertThat(totals.get("reasoningTokens").asLong()).isEqualTo(30);
        assertThat(totals.get("totalTokens").asLong()).isEqualTo(2050);
        assertThat(totals.get("costUsd").asDouble()).isEqualTo(0.01182);
        assertThat(totals.get("unpricedTokens").asLong()).isZero();
        assertThat(keys(byProvider)).containsExactly("claude", "codex");
        assertThat(byProvider.get("groups").get(1).get("figures").get("costUsd").asDouble())
                .isEqualTo(0.00182);
        assertThat(byProvider.get("budget").isNull()).isTrue();

        JsonNode byTask = get("/api/usage?workspaceId=" + workspace + "&groupBy=task")
                .expect(200)
                .body();
        assertThat(keys(byTask)).containsExactlyInAnyOrder(codexTask.toString(), claudeTask.toString());
        assertThat(byTask.get("groups").findValuesAsString("label"))
                .containsExactlyInAnyOrder("codex work", "claude work");

        JsonNode byModel = get("/api/usage?workspaceId=" + workspace + "&groupBy=model")
                .expect(200)
                .body();
        assertThat(keys(byModel)).containsExactly("default", "gpt-5");

        JsonNode byDay = get("/api/usage?workspaceId=" + workspace).expect(200).body();
        assertThat(byDay.get("groupBy").asString()).isEqualTo("day");
        assertThat(keys(byDay)).containsExactly(TODAY);

        // a range that ends before today holds nothing
        JsonNode empty = get("/api/usage?workspaceId=" + workspace + "&from=2020-01-01&to=2020-02-01")
                .expect(200)
                .body();
        assertThat(empty.get("groups")).isEmpty();
        assertThat(empty.get("totals").get("totalTokens").asLong()).isZero();
    }

    @Test
    void aModelWithoutPriceCountsItsTokensAsUnpriced() {
        UUID workspace = newWorkspace();
        usage(run(task(workspace, "unpriced", "codex", "o-mystery"), 1), codex(100, 0, 10, 0));
        // "codex" has no provider price here, and o-mystery none of its own
        JsonNode totals =
                get("/api/usage?workspaceId=" + workspace).expect(200).body().get("totals");
        assertThat(totals.get("costUsd").asDouble()).isZero();
        assertThat(totals.get("unpricedTokens").asLong()).isEqualTo(110);
    }

    @Test
    void badParametersAreProblems() {
        get("/api/usage?groupBy=week").expectProblem(400, "validation_failed");
        get("/api/usage?workspaceId=nope").expectProblem(400, "validation_failed");
        get("/api/usage?from=yesterday").expectProblem(400, "validation_failed");
        get("/api/usage?from=2026-02-01&to=2026-01-01").expectProblem(400, "validation_failed");
        get("/api/usage?from=2020-01-01&to=2026-01-01").expectProblem(400, "validation_failed");
        get("/api/usage?workspaceId=" + UUID.randomUUID()).expectProblem(404, "workspace_not_found");
        get("/api/usage?from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z").expect(200);
    }

    @Test
    void aSpentWorkspaceBudgetRefusesNewRunsAndWritesNothing() {
        UUID workspace = newWorkspace();
        UUID done = task(workspace, "spent it", "codex", "gpt-5");
        usage(run(done, 1), codex(900, 0, 100, 0));
        UUID next = task(workspace, "next", "codex", "gpt-5");

        patch("/api/workspaces/" + workspace, Map.of("budget", Map.of("period", "day", "maxTokens", 5000)))
                .expect(200);
        post("/api/runs", Map.of("taskId", next)).expect(201);
        db.sql("UPDATE runs SET status = 'cancelled', finished_at = now() WHERE task_id = :t")
                .param("t", next)
                .update();

        JsonNode updated = patch(
                        "/api/workspaces/" + workspace,
                        Map.of("budget", Map.of("period", "month", "maxTokens", 1000, "maxCostUsd", 50)))
                .expect(200)
                .body();
        assertThat(updated.get("budget").get("period").asString()).isEqualTo("month");
        assertThat(updated.get("budget").get("maxTokens").asLong()).isEqualTo(1000);

        long runs = count("runs");
        post("/api/runs", Map.of("taskId", next)).expectProblem(422, "budget_exhausted");
        post("/api/tasks/" + done + "/follow-ups", Map.of("prompt", "more")).expectProblem(422, "budget_exhausted");
        assertThat(count("runs")).isEqualTo(runs);

        JsonNode budget =
                get("/api/usage?workspaceId=" + workspace).expect(200).body().get("budget");
        assertThat(budget.get("exhaustedBy").asString()).isEqualTo("workspace_tokens");
        assertThat(budget.get("usedTokens").asLong()).isEqualTo(1000);
        assertThat(Instant.parse(budget.get("periodStart").asString()))
                .isEqualTo(LocalDate.now(ZoneOffset.UTC)
                        .withDayOfMonth(1)
                        .atStartOfDay(ZoneOffset.UTC)
                        .toInstant());

        // clearing the budget lets runs start again
        JsonNode cleared = patch("/api/workspaces/" + workspace, Map.of("clearBudget", true))
                .expect(200)
                .body();
        assertThat(cleared.get("budget").isNull()).isTrue();
        post("/api/runs", Map.of("taskId", next)).expect(201);
    }

    @Test
    void badBudgetsAreProblemsAndChangeNothing() {
        UUID workspace = newWorkspace();
        String path = "/api/workspaces/" + workspace;
        patch(path, Map.of("budget", Map.of("period", "week", "maxTokens", 10)))
                .expectProblem(400, "validation_failed");
        patch(path, Map.of("budget", Map.of("period", "day"))).expectProblem(400, "validation_failed");
        patch(path, Map.of("budget", Map.of("period", "day", "maxTokens", 0))).expectProblem(400, "validation_failed");
        patch(path, Map.of("budget", Map.of("period", "day", "maxCostUsd", -1)))
                .expectProblem(400, "validation_failed");
        patch(path, Map.of("budget", Map.of("period", "day", "maxTokens", "many")))
                .expectProblem(400, "validation_failed");
        patch(path, Map.of("budget", Map.of("period", "day", "maxCostUsd", "5")))
                .expectProblem(400, "validation_failed");
        patch(path, Map.of("budget", Map.of("period", "day", "maxTokens", 5), "clearBudget", true))
                .expectProblem(400, "validation_failed");
        assertThat(get(path).expect(200).body().get("budget").isNull()).isTrue();
    }

    @Test
    void runBudgetsInTheAgentConfigAreValidated() {
        UUID workspace = newWorkspace();
        Map<String, Object> agent = new LinkedHashMap<>(Map.of("provider", "codex", "maxCostUsd", 0));
        post(
                        "/api/tasks",
                        Map.of("workspaceId", workspace, "title", "t", "prompt", "p", "config", Map.of("agent", agent)))
                .expectProblem(400, "validation_failed");
        agent.put("maxCostUsd", 0.5);
        agent.put("maxTokens", -3);
        post(
                        "/api/tasks",
                        Map.of("workspaceId", workspace, "title", "t", "prompt", "p", "config", Map.of("agent", agent)))
                .expectProblem(400, "validation_failed");
        agent.put("maxTokens", 20000);
        JsonNode task = post(
                        "/api/tasks",
                        Map.of("workspaceId", workspace, "title", "t", "prompt", "p", "config", Map.of("agent", agent)))
                .expect(201)
                .body();
        assertThat(task.get("config").get("agent").get("maxTokens").asLong()).isEqualTo(20000);
        assertThat(task.get("config").get("agent").get("maxCostUsd").asDouble()).isEqualTo(0.5);
    }

    private static List<String> keys(JsonNode report) {
        return report.get("groups").findValuesAsString("key");
    }

    private UUID task(UUID workspace, String title, String provider, String model) {
        Map<String, Object> agent = new LinkedHashMap<>();
        agent.put("provider", provider);
        if (model != null) {
            agent.put("model", model);
        }
        return post(
                        "/api/tasks",
                        Map.of(
                                "workspaceId",
                                workspace,
                                "title",
                                title,
                                "prompt",
                                "do it",
                                "config",
                                Map.of("agent", agent)))
                .expect(201)
                .id();
    }

    /** A finished run of the task, with the task's config, as the worker and a runner would leave it. */
    private UUID run(UUID task, int attempt) {
        return db.sql("""
                        INSERT INTO runs (task_id, attempt, status, permission_mode, config, finished_at)
                        SELECT id, :attempt, 'completed', permission_mode, config, now() FROM tasks WHERE id = :task
                        RETURNING id""")
                .param("task", task)
                .param("attempt", attempt)
                .query(UUID.class)
                .single();
    }

    private void usage(UUID run, String payload) {
        db.sql("""
                        INSERT INTO run_events (run_id, sequence, event_type, message, payload)
                        VALUES (:run, 1, 'agent.usage', 'usage', CAST(:payload AS jsonb))""").param("run", run).param("payload", payload).update();
    }

    private static String codex(long input, long cached, long output, long reasoning) {
        return JSON.writeValueAsString(Map.of(
                "provider", "codex",
                "inputTokens", input,
                "cachedInputTokens", cached,
                "cacheWriteInputTokens", 0,
                "outputTokens", output,
                "reasoningOutputTokens", reasoning));
    }

    private static String claude(long input, long cacheReads, long cacheWrites, long output, double cost) {
        return JSON.writeValueAsString(Map.of(
                "provider", "claude",
                "inputTokens", input,
                "cachedInputTokens", cacheReads,
                "cacheWriteInputTokens", cacheWrites,
                "outputTokens", output,
                "reasoningOutputTokens", 0,
                "costUsd", cost));
    }
}
