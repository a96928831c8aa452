package dev.agentcenter.api.automation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentcenter.api.ApiTestBase;
import dev.agentcenter.support.CronSchedule;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class AutomationApiTest extends ApiTestBase {

    private static final Map<String, Object> CONFIG = Map.of("commands", List.of(Map.of("command", "echo nightly")));

    @Test
    void createReadListUpdateEnableDisableDeleteRoundTrip() {
        UUID workspace = newWorkspace();
        Instant before = Instant.now();
        Answer created = post(
                        "/api/automations",
                        automation(workspace, "Nightly deps", "0 9 * * 1-5", "Europe/Berlin", "nightly/deps"))
                .expect(201);
        Instant after = Instant.now();
        UUID id = created.id();
        JsonNode body = created.body();
        assertThat(created.header("Location")).isEqualTo("/api/automations/" + id);
        assertThat(body.get("workspaceId").asString()).isEqualTo(workspace.toString());
        assertThat(body.get("name").asString()).isEqualTo("Nightly deps");
        assertThat(body.get("enabled").asBoolean()).isTrue();
        assertThat(body.get("cronExpression").asString()).isEqualTo("0 9 * * 1-5");
        assertThat(body.get("timezone").asString()).isEqualTo("Europe/Berlin");
        assertThat(body.get("permissionMode").asString()).isEqualTo("safe");
        assertThat(body.get("config").get("commands").get(0).get("command").asString())
                .isEqualTo("echo nightly");
        assertThat(body.get("branchPrefix").asString()).isEqualTo("nightly/deps");
        assertThat(body.get("lastRunAt").isNull()).isTrue();
        CronSchedule schedule = CronSchedule.parse("0 9 * * 1-5", "Europe/Berlin");
        assertNextRunAt(body, schedule, before, after);

        assertThat(get("/api/automations/" + id).expect(200).body()).isEqualTo(body);
        assertThat(ids(get("/api/automations?workspaceId=" + workspace).expect(200)))
                .containsExactly(id.toString());

        // Changing the schedule recomputes nextRunAt; an empty branchPrefix clears it; the rest stays.
        before = Instant.now();
        JsonNode updated = patch(
                        "/api/automations/" + id,
                        Map.of("name", "Hourly deps", "cronExpression", "  15 *  * * * ", "branchPrefix", ""))
                .expect(200)
                .body();
        after = Instant.now();
        assertThat(updated.get("name").asString()).isEqualTo("Hourly deps");
        assertThat(updated.get("cronExpression").asString()).isEqualTo("15 * * * *");
        assertThat(updated.get("branchPrefix").isNull()).isTrue();
        assertThat(updated.get("timezone").asString()).isEqualTo("Europe/Berlin");
        assertThat(updated.get("taskTemplateTitle").asString()).isEqualTo("Update dependencies");
        assertNextRunAt(updated, CronSchedule.parse("15 * * * *", "Europe/Berlin"), before, after);

        JsonNode disabled =
                post("/api/automations/" + id + "/disable", null).expect(200).body();
        assertThat(disabled.get("enabled").asBoolean()).isFalse();
        assertThat(disabled.get("nextRunAt").isNull()).isTrue();
        assertThat(post("/api/automations/" + id + "/disable", null).expect(200).body())
                .as("disable is idempotent")
                .isEqualTo(disabled);
        assertThat(ids(get("/api/automations?workspaceId=" + workspace + "&enabled=true")
                        .expect(200)))
                .isEmpty();

        before = Instant.now();
        JsonNode enabled =
                post("/api/automations/" + id + "/enable", null).expect(200).body();
        after = Instant.now();
        assertThat(enabled.get("enabled").asBoolean()).isTrue();
        assertNextRunAt(enabled, CronSchedule.parse("15 * * * *", "Europe/Berlin"), before, after);
        assertThat(post("/api/automations/" + id + "/enable", null).expect(200).body())
                .as("enable is idempotent and keeps nextRunAt")
                .isEqualTo(enabled);

        JsonNode viaPatch = patch("/api/automations/" + id, Map.of("enabled", false))
                .expect(200)
                .body();
        assertThat(viaPatch.get("nextRunAt").isNull()).isTrue();

        delete("/api/automations/" + id).expect(204);
        get("/api/automations/" + id).expectProblem(404, "automation_not_found");
        delete("/api/automations/" + id).expectProblem(404, "automation_not_found");
        patch("/api/automations/" + id, Map.of("name", "x")).expectProblem(404, "automation_not_found");
        post("/api/automations/" + id + "/enable", null).expectProblem(404, "automation_not_found");
        post("/api/automations/" + id + "/disable", null).expectProblem(404, "automation_not_found");
    }

    @Test
    void createdDisabledHasNoNextRunAndDefaultsToUtc() {
        Map<String, Object> request = automation(newWorkspace(), "Paused", "*/10 * * * *", null, null);
        request.put("enabled", false);

        JsonNode body = post("/api/automations", request).expect(201).body();

        assertThat(body.get("enabled").asBoolean()).isFalse();
        assertThat(body.get("nextRunAt").isNull()).isTrue();
        assertThat(body.get("timezone").asString()).isEqualTo("UTC");
    }

    @Test
    void listsPageByPageWithFilters() {
        UUID workspace = newWorkspace();
        UUID project = insertProject(workspace);
        Set<String> all = new HashSet<>();
        for (int i = 0; i < 5; i++) {
            Map<String, Object> request = automation(workspace, "A" + i, "0 " + i + " * * *", "UTC", null);
            if (i < 2) {
                request.put("enabled", false);
            }
            if (i == 4) {
                request.put("projectId", project);
            }
            all.add(post("/api/automations", request).expect(201).id().toString());
        }
        post("/api/automations", automation(newWorkspace(), "Elsewhere", "0 0 * * *", "UTC", null))
                .expect(201);

        List<String> seen = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            JsonNode page = get("/api/automations?workspaceId=" + workspace + "&limit=2"
                            + (cursor == null ? "" : "&cursor=" + cursor))
                    .expect(200)
                    .body();
            page.get("items").forEach(item -> seen.add(item.get("id").asString()));
            cursor = page.get("nextCursor").isNull()
                    ? null
                    : page.get("nextCursor").asString();
            pages++;
        } while (cursor != null);
        assertThat(pages).isEqualTo(3);
        assertThat(seen).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(all);

        assertThat(ids(get("/api/automations?workspaceId=" + workspace + "&enabled=false")
                        .expect(200)))
                .hasSize(2);
        assertThat(ids(get("/api/automations?workspaceId=" + workspace + "&enabled=true")
                        .expect(200)))
                .hasSize(3);
        assertThat(ids(get("/api/automations?projectId=" + project).expect(200)))
                .hasSize(1);
        get("/api/automations?enabled=maybe").expectProblem(400, "invalid_parameter");
        get("/api/automations?workspaceId=nope").expectProblem(400, "invalid_parameter");
        get("/api/automations?limit=201").expectProblem(400, "validation_failed");
    }

    @Test
    void invalidCronOrTimezoneOnCreateIsRefusedAndWritesNothing() {
        UUID workspace = newWorkspace();
        long before = count("automations");

        Answer sixFields = post("/api/automations", automation(workspace, "Q", "0 0 9 * * *", "UTC", null))
                .expectProblem(400, "validation_failed");
        assertThat(errors(sixFields))
                .containsExactly(Map.entry(
                        "cronExpression",
                        "expected 5 fields (minute hour day-of-month month day-of-week), got 6"
                                + " (Quartz/Spring expressions with seconds or years are not supported)"));
        Answer outOfRange = post("/api/automations", automation(workspace, "R", "61 * * * *", "UTC", null))
                .expectProblem(400, "validation_failed");
        assertThat(errors(outOfRange))
                .containsExactly(Map.entry("cronExpression", "minute field '61': value 61 is outside 0-59"));
        post("/api/automations", automation(workspace, "S", "@reboot", "UTC", null))
                .expectProblem(400, "validation_failed");
        Answer zone = post("/api/automations", automation(workspace, "T", "0 9 * * *", "Europe/Atlantis", null))
                .expectProblem(400, "validation_failed");
        assertThat(errors(zone)).containsOnlyKeys("timezone");
        Answer both = post("/api/automations", automation(workspace, "U", "0 9 * *", "europe/berlin", null))
                .expectProblem(400, "validation_failed");
        assertThat(errors(both))
                .containsEntry("timezone", "unknown time zone 'europe/berlin'; did you mean 'Europe/Berlin'?")
                .containsOnlyKeys("timezone", "cronExpression");

        assertThat(count("automations")).isEqualTo(before);
    }

    @Test
    void invalidCronOnUpdateChangesNothing() {
        UUID id = post("/api/automations", automation(newWorkspace(), "Stable", "0 9 * * 1-5", "UTC", null))
                .expect(201)
                .id();
        JsonNode original = get("/api/automations/" + id).expect(200).body();

        Answer answer = patch("/api/automations/" + id, Map.of("name", "Renamed", "cronExpression", "0 25 * * *"))
                .expectProblem(400, "validation_failed");
        assertThat(errors(answer)).containsOnlyKeys("cronExpression");
        assertThat(errors(answer).get("cronExpression")).isEqualTo("hour field '25': value 25 is outside 0-23");
        patch("/api/automations/" + id, Map.of("timezone", "Nowhere/Land")).expectProblem(400, "validation_failed");
        patch("/api/automations/" + id, Map.of("cronExpression", "0 0 30 2 *")).expectProblem(400, "validation_failed");
        patch("/api/automations/" + id, Map.of("config", Map.of("commands", List.of())))
                .expectProblem(400, "validation_failed");

        assertThat(get("/api/automations/" + id).expect(200).body()).isEqualTo(original);
    }

    @Test
    void badInputGetsPreciseProblemsAndWritesNothing() {
        UUID workspace = newWorkspace();
        long before = count("automations");

        Map<String, Object> unknown = automation(workspace, "U1", "0 9 * * *", "UTC", null);
        unknown.put("schedule", "daily");
        assertThat(errors(post("/api/automations", unknown).expectProblem(400, "validation_failed")))
                .containsOnlyKeys("schedule");
        Map<String, Object> wrongType = automation(workspace, "U2", "0 9 * * *", "UTC", null);
        wrongType.put("name", 5);
        assertThat(errors(post("/api/automations", wrongType).expectProblem(400, "validation_failed")))
                .containsEntry("name", "must be a string");
        Map<String, Object> wrongBoolean = automation(workspace, "U3", "0 9 * * *", "UTC", null);
        wrongBoolean.put("enabled", "yes");
        assertThat(errors(post("/api/automations", wrongBoolean).expectProblem(400, "validation_failed")))
                .containsEntry("enabled", "must be true or false");
        Map<String, Object> badUuid = automation(workspace, "U4", "0 9 * * *", "UTC", null);
        badUuid.put("workspaceId", "not-a-uuid");
        assertThat(errors(post("/api/automations", badUuid).expectProblem(400, "validation_failed")))
                .containsEntry("workspaceId", "must be a UUID");
        Map<String, Object> badMode = automation(workspace, "U5", "0 9 * * *", "UTC", null);
        badMode.put("permissionMode", "root");
        assertThat(errors(post("/api/automations", badMode).expectProblem(400, "validation_failed")))
                .containsEntry("permissionMode", "must be one of [safe, yolo, custom]");
        Map<String, Object> badPrefix = automation(workspace, "U6", "0 9 * * *", "UTC", "../evil branch");
        assertThat(errors(post("/api/automations", badPrefix).expectProblem(400, "validation_failed")))
                .containsOnlyKeys("branchPrefix");
        Map<String, Object> nothingToRun = automation(workspace, "U7", "0 9 * * *", "UTC", null);
        nothingToRun.remove("config");
        assertThat(errors(post("/api/automations", nothingToRun).expectProblem(400, "validation_failed")))
                .containsOnlyKeys("config");
        assertThat(errors(post("/api/automations", Map.of()).expectProblem(400, "validation_failed")))
                .containsOnlyKeys("workspaceId", "name", "cronExpression", "taskTemplateTitle");
        post("/api/automations", "{\"name\": ").expectProblem(400, "malformed_json");
        post("/api/automations", automation(UUID.randomUUID(), "U8", "0 9 * * *", "UTC", null))
                .expectProblem(404, "workspace_not_found");

        UUID id = post("/api/automations", automation(workspace, "Valid", "0 9 * * *", "UTC", null))
                .expect(201)
                .id();
        patch("/api/automations/" + id, Map.of()).expectProblem(400, "validation_failed");
        patch("/api/automations/" + id, Map.of("permissionMode", "root")).expectProblem(400, "validation_failed");
        patch("/api/automations/" + id, Map.of("workspaceId", UUID.randomUUID().toString()))
                .expectProblem(400, "validation_failed");
        patch("/api/automations/" + id, Map.of("name", "   ")).expectProblem(400, "validation_failed");
        get("/api/automations/not-a-uuid").expectProblem(400, "invalid_parameter");
        post("/api/automations/not-a-uuid/trigger", null).expectProblem(400, "invalid_parameter");

        assertThat(count("automations")).isEqualTo(before + 1);
    }

    @Test
    void projectsAndRepositoriesMustBelongToTheWorkspace() {
        UUID workspace = newWorkspace();
        UUID otherWorkspace = newWorkspace();
        UUID foreignProject = insertProject(otherWorkspace);
        UUID foreignConnection = insertConnection(otherWorkspace, null);
        UUID project = insertProject(workspace);
        UUID otherProject = insertProject(workspace);
        UUID connection = insertConnection(workspace, project);
        long before = count("automations");

        Map<String, Object> withForeignProject = automation(workspace, "P1", "0 9 * * *", "UTC", null);
        withForeignProject.put("projectId", foreignProject);
        post("/api/automations", withForeignProject).expectProblem(409, "project_not_in_workspace");
        Map<String, Object> withUnknownProject = automation(workspace, "P2", "0 9 * * *", "UTC", null);
        withUnknownProject.put("projectId", UUID.randomUUID());
        post("/api/automations", withUnknownProject).expectProblem(404, "project_not_found");
        Map<String, Object> withForeignConnection = automation(workspace, "P3", "0 9 * * *", "UTC", null);
        withForeignConnection.put("repoConnectionId", foreignConnection);
        post("/api/automations", withForeignConnection).expectProblem(409, "repo_connection_not_in_workspace");
        Map<String, Object> mismatch = automation(workspace, "P4", "0 9 * * *", "UTC", null);
        mismatch.put("projectId", otherProject);
        mismatch.put("repoConnectionId", connection);
        post("/api/automations", mismatch).expectProblem(409, "repo_connection_project_mismatch");
        assertThat(count("automations")).isEqualTo(before);

        Map<String, Object> valid = automation(workspace, "P5", "0 9 * * *", "UTC", null);
        valid.put("projectId", project);
        valid.put("repoConnectionId", connection);
        JsonNode created = post("/api/automations", valid).expect(201).body();
        assertThat(created.get("projectId").asString()).isEqualTo(project.toString());
        assertThat(created.get("repoConnectionId").asString()).isEqualTo(connection.toString());

        String path = "/api/automations/" + created.get("id").asString();
        patch(path, Map.of("projectId", foreignProject.toString())).expectProblem(409, "project_not_in_workspace");
        patch(path, Map.of("repoConnectionId", foreignConnection.toString()))
                .expectProblem(409, "repo_connection_not_in_workspace");
        patch(path, Map.of("projectId", otherProject.toString()))
                .expectProblem(409, "repo_connection_project_mismatch");
        assertThat(get(path).expect(200).body()).isEqualTo(created);
    }

    @Test
    void namesAreUniquePerWorkspace() {
        UUID workspace = newWorkspace();
        post("/api/automations", automation(workspace, "Nightly", "0 3 * * *", "UTC", null))
                .expect(201);
        UUID second = post("/api/automations", automation(workspace, "Weekly", "0 3 * * 0", "UTC", null))
                .expect(201)
                .id();
        long before = count("automations");

        post("/api/automations", automation(workspace, " Nightly ", "0 4 * * *", "UTC", null))
                .expectProblem(409, "automation_name_taken");
        patch("/api/automations/" + second, Map.of("name", "Nightly")).expectProblem(409, "automation_name_taken");
        post("/api/automations", automation(newWorkspace(), "Nightly", "0 4 * * *", "UTC", null))
                .expect(201); // another workspace may use the name

        assertThat(count("automations")).isEqualTo(before + 1);
        assertThat(get("/api/automations/" + second)
                        .expect(200)
                        .body()
                        .get("name")
                        .asString())
                .isEqualTo("Weekly");
    }

    @Test
    void triggerCreatesOneTaskAndOneQueuedRunInOneGo() {
        UUID workspace = newWorkspace();
        UUID project = insertProject(workspace);
        Map<String, Object> request = automation(workspace, "Deps", "0 3 * * *", "UTC", "agent/deps");
        request.put("projectId", project);
        request.put("taskTemplatePrompt", "Update the dependencies");
        request.put("permissionMode", "custom");
        request.put("policy", Map.of("blockedCommands", List.of("curl")));
        request.put("metadata", Map.of("team", "platform"));
        JsonNode automation = post("/api/automations", request).expect(201).body();
        UUID id = UUID.fromString(automation.get("id").asString());
        long tasksBefore = count("tasks");
        long runsBefore = count("runs");

        Instant before = Instant.now();
        Answer answer = post("/api/automations/" + id + "/trigger", null).expect(201);
        Instant after = Instant.now();

        JsonNode task = answer.body().get("task");
        JsonNode run = answer.body().get("run");
        assertThat(answer.header("Location"))
                .isEqualTo("/api/runs/" + run.get("id").asString());
        assertThat(count("tasks")).isEqualTo(tasksBefore + 1);
        assertThat(count("runs")).isEqualTo(runsBefore + 1);
        assertThat(task.get("automationId").asString()).isEqualTo(id.toString());
        assertThat(task.get("workspaceId").asString()).isEqualTo(workspace.toString());
        assertThat(task.get("projectId").asString()).isEqualTo(project.toString());
        assertThat(task.get("title").asString()).isEqualTo("Update dependencies");
        assertThat(task.get("prompt").asString()).isEqualTo("Update the dependencies");
        assertThat(task.get("permissionMode").asString()).isEqualTo("custom");
        assertThat(task.get("policy").get("blockedCommands").get(0).asString()).isEqualTo("curl");
        assertThat(task.get("config").get("commands").get(0).get("command").asString())
                .isEqualTo("echo nightly");
        assertThat(task.get("status").asString()).isEqualTo("queued");
        assertThat(task.get("metadata").get("team").asString()).isEqualTo("platform");
        assertThat(task.get("metadata").get("automation").get("manual").asBoolean())
                .isTrue();
        assertThat(run.get("taskId").asString()).isEqualTo(task.get("id").asString());
        assertThat(run.get("attempt").asInt()).isEqualTo(1);
        assertThat(run.get("status").asString()).isEqualTo("queued");
        assertThat(run.get("source").asString()).isEqualTo("automation");
        assertThat(task.get("latestRun").get("id").asString())
                .isEqualTo(run.get("id").asString());

        Instant fireTime = db.sql("SELECT fire_time FROM automation_fires WHERE automation_id = :id")
                .param("id", id)
                .query((rs, row) ->
                        rs.getObject(1, java.time.OffsetDateTime.class).toInstant())
                .single();
        assertThat(fireTime).isBetween(before.minusMillis(1), after.plusMillis(1));
        Map<String, Object> fire = db.sql("SELECT task_id, run_id FROM automation_fires WHERE automation_id = :id")
                .param("id", id)
                .query()
                .singleRow();
        assertThat(fire.get("task_id").toString()).isEqualTo(task.get("id").asString());
        assertThat(fire.get("run_id").toString()).isEqualTo(run.get("id").asString());
        String stamp = java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")
                .withZone(java.time.ZoneOffset.UTC)
                .format(fireTime);
        assertThat(task.get("branchName").asString()).isEqualTo("agent/deps/" + stamp);
        assertThat(run.get("branchName").asString()).isEqualTo("agent/deps/" + stamp);

        List<Map<String, Object>> events = db.sql(
                        "SELECT sequence, event_type, payload::text AS payload FROM run_events"
                                + " WHERE run_id = :runId ORDER BY sequence")
                .param("runId", UUID.fromString(run.get("id").asString()))
                .query()
                .listOfRows();
        assertThat(events).extracting(e -> e.get("event_type")).containsExactly("run.created", "automation.triggered");
        assertThat(events)
                .extracting(e -> ((Number) e.get("sequence")).longValue())
                .containsExactly(1L, 2L);
        JsonNode payload = JSON.readTree((String) events.get(1).get("payload"));
        assertThat(payload.get("automationId").asString()).isEqualTo(id.toString());
        assertThat(Instant.parse(payload.get("fireTime").asString())).isEqualTo(fireTime);
        assertThat(payload.get("manual").asBoolean()).isTrue();

        JsonNode afterTrigger = get("/api/automations/" + id).expect(200).body();
        assertThat(Instant.parse(afterTrigger.get("lastRunAt").asString())).isEqualTo(fireTime);
        assertThat(afterTrigger.get("nextRunAt"))
                .as("the schedule is not moved")
                .isEqualTo(automation.get("nextRunAt"));

        // Each trigger is its own task, even while the previous run is still queued.
        JsonNode second =
                post("/api/automations/" + id + "/trigger", null).expect(201).body();
        assertThat(second.get("task").get("id").asString())
                .isNotEqualTo(task.get("id").asString());
        assertThat(second.get("run").get("attempt").asInt()).isEqualTo(1);
        assertThat(db.sql("SELECT count(*) FROM automation_fires WHERE automation_id = :id")
                        .param("id", id)
                        .query(Long.class)
                        .single())
                .isEqualTo(2);
    }

    @Test
    void triggerWithoutPrefixLeavesTheBranchToTheRunnerAndWorksWhileDisabled() {
        Map<String, Object> request = automation(newWorkspace(), "Plain", "0 3 * * *", "UTC", null);
        request.put("enabled", false);
        UUID id = post("/api/automations", request).expect(201).id();

        JsonNode answer =
                post("/api/automations/" + id + "/trigger", null).expect(201).body();

        assertThat(answer.get("task").get("branchName").isNull()).isTrue();
        assertThat(answer.get("run").get("status").asString()).isEqualTo("queued");
        JsonNode automation = get("/api/automations/" + id).expect(200).body();
        assertThat(automation.get("lastRunAt").isNull()).isFalse();
        assertThat(automation.get("nextRunAt").isNull()).isTrue();
    }

    @Test
    void aTriggerThatFailsHalfwayWritesNothing() {
        UUID id = post("/api/automations", automation(newWorkspace(), "Broken", "0 3 * * *", "UTC", "broken"))
                .expect(201)
                .id();
        // A config the API would refuse, as if written by an older version: queueing the run fails after the
        // fire was claimed and the task inserted, so all of it must roll back.
        db.sql("UPDATE automations SET config = '{}' WHERE id = :id")
                .param("id", id)
                .update();
        long tasks = count("tasks");
        long runs = count("runs");
        long fires = count("automation_fires");

        post("/api/automations/" + id + "/trigger", null).expectProblem(422, "nothing_to_run");

        assertThat(count("tasks")).isEqualTo(tasks);
        assertThat(count("runs")).isEqualTo(runs);
        assertThat(count("automation_fires")).isEqualTo(fires);
        assertThat(get("/api/automations/" + id)
                        .expect(200)
                        .body()
                        .get("lastRunAt")
                        .isNull())
                .isTrue();
    }

    @Test
    void onlyScheduleChangesMoveNextRunAt() {
        UUID id = post("/api/automations", automation(newWorkspace(), "Due", "0 3 * * *", "UTC", null))
                .expect(201)
                .id();
        // Due and not yet fired (e.g. the worker is behind): editing the title must not skip that fire.
        db.sql("UPDATE automations SET next_run_at = '2020-01-01T03:00:00Z' WHERE id = :id")
                .param("id", id)
                .update();

        JsonNode renamed = patch("/api/automations/" + id, Map.of("taskTemplateTitle", "New title", "enabled", true))
                .expect(200)
                .body();
        assertThat(renamed.get("nextRunAt").asString()).isEqualTo("2020-01-01T03:00:00Z");

        Instant before = Instant.now();
        JsonNode moved = patch("/api/automations/" + id, Map.of("timezone", "Asia/Tokyo"))
                .expect(200)
                .body();
        Instant after = Instant.now();
        assertNextRunAt(moved, CronSchedule.parse("0 3 * * *", "Asia/Tokyo"), before, after);
    }

    @Test
    void triggerOfAnUnknownAutomationIs404AndWritesNothing() {
        long tasks = count("tasks");
        long runs = count("runs");
        long fires = count("automation_fires");

        post("/api/automations/" + UUID.randomUUID() + "/trigger", null).expectProblem(404, "automation_not_found");

        assertThat(count("tasks")).isEqualTo(tasks);
        assertThat(count("runs")).isEqualTo(runs);
        assertThat(count("automation_fires")).isEqualTo(fires);
    }

    @Test
    void scheduleDescribesAndListsTheNextFireTimes() {
        UUID id = post("/api/automations", automation(newWorkspace(), "Mornings", "0 9 * * 1-5", "Europe/Berlin", null))
                .expect(201)
                .id();
        CronSchedule schedule = CronSchedule.parse("0 9 * * 1-5", "Europe/Berlin");

        Instant before = Instant.now();
        JsonNode body =
                get("/api/automations/" + id + "/schedule?count=3").expect(200).body();
        Instant after = Instant.now();

        assertThat(body.get("description").asString()).isEqualTo("at 09:00 every day between Monday and Friday");
        assertThat(body.get("timezone").asString()).isEqualTo("Europe/Berlin");
        List<Instant> times = instants(body.get("nextFireTimes"));
        assertThat(times).isIn(schedule.next(before, 3), schedule.next(after, 3));
        assertThat(instants(get("/api/automations/" + id + "/schedule")
                        .expect(200)
                        .body()
                        .get("nextFireTimes")))
                .hasSize(5);
        get("/api/automations/" + id + "/schedule?count=0").expectProblem(400, "validation_failed");
        get("/api/automations/" + id + "/schedule?count=51").expectProblem(400, "validation_failed");
        get("/api/automations/" + UUID.randomUUID() + "/schedule").expectProblem(404, "automation_not_found");
    }

    @Test
    void previewExplainsAnExpressionBeforeItIsSaved() {
        long before = count("automations");

        JsonNode preview = post(
                        "/api/automations/preview-schedule?count=2",
                        Map.of("cronExpression", "*/15 * * * *", "timezone", "America/New_York"))
                .expect(200)
                .body();
        assertThat(preview.get("description").asString()).isEqualTo("every 15 minutes");
        List<Instant> times = instants(preview.get("nextFireTimes"));
        assertThat(times).hasSize(2);
        assertThat(times.get(1)).isEqualTo(times.get(0).plusSeconds(900));
        assertThat(times.get(0)).isAfter(Instant.now().minusSeconds(1));

        JsonNode utc = post("/api/automations/preview-schedule", Map.of("cronExpression", "0 0 1 1 *"))
                .expect(200)
                .body();
        assertThat(utc.get("timezone").asString()).isEqualTo("UTC");
        assertThat(instants(utc.get("nextFireTimes"))).hasSize(5);

        Answer invalid = post("/api/automations/preview-schedule", Map.of("cronExpression", "0 0 * * * *"))
                .expectProblem(400, "validation_failed");
        assertThat(errors(invalid)).containsOnlyKeys("cronExpression");
        Answer zone = post(
                        "/api/automations/preview-schedule",
                        Map.of("cronExpression", "0 0 * * *", "timezone", "Moon/Base"))
                .expectProblem(400, "validation_failed");
        assertThat(errors(zone)).containsOnlyKeys("timezone");
        post("/api/automations/preview-schedule", Map.of("timezone", "UTC")).expectProblem(400, "validation_failed");
        post("/api/automations/preview-schedule", Map.of("cronExpression", "0 0 * * *", "extra", 1))
                .expectProblem(400, "validation_failed");

        assertThat(count("automations")).isEqualTo(before);
    }

    @Test
    void aManualTriggerQueuesTheWayTheScheduleDoes() {
        UUID workspace = newWorkspace();
        UUID project = insertProject(workspace);
        db.sql("UPDATE projects SET default_branch = 'develop' WHERE id = :id")
                .param("id", project)
                .update();
        Map<String, Object> request = automation(workspace, "Nightly", "0 3 * * *", "UTC", null);
        request.put("projectId", project);
        UUID id = UUID.fromString(
                post("/api/automations", request).expect(201).body().get("id").asString());

        JsonNode answer =
                post("/api/automations/" + id + "/trigger", null).expect(201).body();

        // the same fire path as the worker's schedule: base branch from the connection, else the project
        assertThat(answer.get("task").get("baseBranch").asString()).isEqualTo("develop");
        assertThat(answer.get("run").get("baseBranch").asString()).isEqualTo("develop");
        Map<String, Object> created = db.sql("SELECT message, payload::text AS payload FROM run_events"
                        + " WHERE run_id = :runId AND event_type = 'run.created'")
                .param("runId", UUID.fromString(answer.get("run").get("id").asString()))
                .query()
                .singleRow();
        assertThat(created.get("message")).isEqualTo("Run queued by automation Nightly");
        JsonNode payload = JSON.readTree((String) created.get("payload"));
        assertThat(payload.get("automationId").asString()).isEqualTo(id.toString());
        assertThat(payload.get("source").asString()).isEqualTo("automation");
        assertThat(payload.get("attempt").asInt()).isEqualTo(1);
    }

    private static Map<String, Object> automation(
            UUID workspace, String name, String cron, String timezone, String branchPrefix) {
        Map<String, Object> request = new HashMap<>();
        request.put("workspaceId", workspace);
        request.put("name", name);
        request.put("cronExpression", cron);
        if (timezone != null) {
            request.put("timezone", timezone);
        }
        if (branchPrefix != null) {
            request.put("branchPrefix", branchPrefix);
        }
        request.put("taskTemplateTitle", "Update dependencies");
        request.put("config", CONFIG);
        return request;
    }

    /** nextRunAt is the first fire time after the server's "now", which lies between the two readings. */
    private static void assertNextRunAt(JsonNode automation, CronSchedule schedule, Instant before, Instant after) {
        Instant next = Instant.parse(automation.get("nextRunAt").asString());
        assertThat(next).isAfter(before);
        assertThat(next)
                .isIn(
                        schedule.nextAfter(before).orElseThrow(),
                        schedule.nextAfter(after).orElseThrow());
    }

    private UUID insertProject(UUID workspace) {
        return db.sql("INSERT INTO projects (workspace_id, slug, name) VALUES (:ws, :slug, 'Project') RETURNING id")
                .param("ws", workspace)
                .param("slug", unique("p"))
                .query(UUID.class)
                .single();
    }

    private UUID insertConnection(UUID workspace, UUID project) {
        return db.sql("""
                        INSERT INTO repo_connections (workspace_id, project_id, owner, repo)
                        VALUES (:ws, :project, 'acme', :repo) RETURNING id""")
                .param("ws", workspace)
                .param("project", project)
                .param("repo", unique("r"))
                .query(UUID.class)
                .single();
    }

    private static List<String> ids(Answer answer) {
        List<String> ids = new ArrayList<>();
        answer.body().get("items").forEach(item -> ids.add(item.get("id").asString()));
        return ids;
    }

    private static List<Instant> instants(JsonNode array) {
        List<Instant> times = new ArrayList<>();
        array.forEach(t -> times.add(Instant.parse(t.asString())));
        return times;
    }

    private static Map<String, String> errors(Answer answer) {
        Map<String, String> errors = new HashMap<>();
        answer.body()
                .get("errors")
                .forEach(e ->
                        errors.put(e.get("field").asString(), e.get("message").asString()));
        return errors;
    }
}
