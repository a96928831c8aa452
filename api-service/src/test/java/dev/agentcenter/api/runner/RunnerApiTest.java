package dev.agentcenter.api.runner;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentcenter.api.ApiTestBase;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class RunnerApiTest extends ApiTestBase {

    @Test
    void listsRunnersByNameAndShowsSilentOnesOffline() {
        String tag = unique("runner");
        insert(tag + "-c", "draining", "now()");
        insert(tag + "-a", "online", "now()");
        insert(tag + "-b", "online", "now() - interval '31 seconds'");
        insert(tag + "-d", "offline", "now()");

        JsonNode page = get("/api/runners").expect(200).body();

        assertThat(page.get("nextCursor").isNull()).isTrue();
        List<JsonNode> mine = page.get("items")
                .valueStream()
                .filter(runner -> runner.get("name").asString().startsWith(tag))
                .toList();
        assertThat(mine)
                .extracting(runner -> runner.get("name").asString())
                .containsExactly(tag + "-a", tag + "-b", tag + "-c", tag + "-d");
        assertThat(mine)
                .extracting(runner -> runner.get("status").asString())
                .as("a runner 31 s without heartbeat is offline; a draining one stays draining")
                .containsExactly("online", "offline", "draining", "offline");
        JsonNode first = mine.get(0);
        assertThat(first.get("id").asString()).isNotBlank();
        assertThat(first.get("baseUrl").asString()).isEqualTo("http://127.0.0.1:3002");
        assertThat(first.get("capacity").asInt()).isEqualTo(4);
        assertThat(first.get("activeRuns").asInt()).isEqualTo(1);
        assertThat(first.get("version").asString()).isEqualTo("0.1.0");
        assertThat(first.get("lastHeartbeatAt").asString()).endsWith("Z");
    }

    @Test
    void showsHowEachRunnerIsolatesRuns() {
        String tag = unique("runner");
        insert(tag + "-boxed", "online", "now()");
        insert(tag + "-bare", "online", "now()");
        insert(tag + "-old", "online", "now()");
        db.sql("UPDATE runners SET isolation = 'bubblewrap' WHERE name = :name")
                .param("name", tag + "-boxed")
                .update();
        db.sql("UPDATE runners SET isolation = 'none' WHERE name = :name")
                .param("name", tag + "-bare")
                .update();

        List<JsonNode> mine = get("/api/runners")
                .expect(200)
                .body()
                .get("items")
                .valueStream()
                .filter(runner -> runner.get("name").asString().startsWith(tag))
                .toList();

        assertThat(mine)
                .extracting(runner -> runner.get("name").asString() + "=" + runner.get("isolation"))
                .containsExactly(tag + "-bare=\"none\"", tag + "-boxed=\"bubblewrap\"", tag + "-old=null");
    }

    @Test
    void isReadOnly() {
        long before = count("runners");

        post("/api/runners", java.util.Map.of("name", "x")).expectProblem(405, "method_not_allowed");
        get("/api/runners/" + java.util.UUID.randomUUID()).expectProblem(404, "not_found");

        assertThat(count("runners")).isEqualTo(before);
    }

    private void insert(String name, String status, String heartbeat) {
        db.sql("INSERT INTO runners (name, base_url, status, capacity, active_runs, version, last_heartbeat_at)"
                        + " VALUES (:name, 'http://127.0.0.1:3002', :status, 4, 1, '0.1.0', " + heartbeat + ")")
                .param("name", name)
                .param("status", status)
                .update();
    }
}
