package dev.agentcenter.api.workspace;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentcenter.api.ApiTestBase;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class WorkspaceApiTest extends ApiTestBase {

    @Test
    void createReadUpdateDeleteRoundTrip() {
        String slug = unique("acme");
        Answer created = post(
                        "/api/workspaces",
                        Map.of(
                                "slug",
                                slug,
                                "name",
                                " Acme ",
                                "description",
                                "Team space",
                                "metadata",
                                Map.of("tier", "pro")))
                .expect(201);
        UUID id = created.id();
        assertThat(created.header("Location")).isEqualTo("/api/workspaces/" + id);
        assertThat(created.body().get("name").asString()).isEqualTo("Acme");
        assertThat(created.body().get("metadata").get("tier").asString()).isEqualTo("pro");
        assertThat(created.body().get("createdAt").asString()).endsWith("Z");

        JsonNode fetched = get("/api/workspaces/" + id).expect(200).body();
        assertThat(fetched.get("slug").asString()).isEqualTo(slug);

        JsonNode updated = patch("/api/workspaces/" + id, Map.of("name", "Acme Inc", "description", ""))
                .expect(200)
                .body();
        assertThat(updated.get("name").asString()).isEqualTo("Acme Inc");
        assertThat(updated.get("description").isNull())
                .as("empty string clears")
                .isTrue();
        assertThat(updated.get("slug").asString()).as("untouched field kept").isEqualTo(slug);

        delete("/api/workspaces/" + id).expect(204);
        get("/api/workspaces/" + id).expectProblem(404, "workspace_not_found");
        delete("/api/workspaces/" + id).expectProblem(404, "workspace_not_found");
    }

    @Test
    void listsNewestFirstInPagesThatDoNotOverlap() {
        for (int i = 0; i < 5; i++) {
            newWorkspace();
        }
        Set<String> seen = new HashSet<>();
        String cursor = null;
        String previousCreatedAt = null;
        int pages = 0;
        do {
            JsonNode page = get("/api/workspaces?limit=2" + (cursor == null ? "" : "&cursor=" + cursor))
                    .expect(200)
                    .body();
            for (JsonNode item : page.get("items")) {
                assertThat(seen.add(item.get("id").asString()))
                        .as("no workspace twice")
                        .isTrue();
                String createdAt = item.get("createdAt").asString();
                if (previousCreatedAt != null) {
                    assertThat(java.time.Instant.parse(createdAt))
                            .isBeforeOrEqualTo(java.time.Instant.parse(previousCreatedAt));
                }
                previousCreatedAt = createdAt;
            }
            cursor = page.get("nextCursor").isNull()
                    ? null
                    : page.get("nextCursor").asString();
            pages++;
        } while (cursor != null);
        assertThat(seen).hasSizeGreaterThanOrEqualTo(5);
        assertThat(pages).isGreaterThanOrEqualTo(3);
    }

    @Test
    void duplicateSlugIsAConflictAndWritesNothing() {
        String slug = unique("dup");
        post("/api/workspaces", Map.of("slug", slug, "name", "One")).expect(201);
        long before = count("workspaces");

        post("/api/workspaces", Map.of("slug", slug, "name", "Two")).expectProblem(409, "workspace_slug_taken");

        assertThat(count("workspaces")).isEqualTo(before);
    }

    @Test
    void badInputGetsPreciseProblems() {
        long before = count("workspaces");

        post("/api/workspaces", "{\"slug\": \"x\", ").expectProblem(400, "malformed_json");
        Answer unquoted =
                post("/api/workspaces", "{\"slug\": ghp_pastedSecretValue}").expectProblem(400, "malformed_json");
        assertThat(unquoted.raw().body()).as("the parser's text is not echoed").doesNotContain("pastedSecret");
        assertThat(unquoted.body().get("detail").asString()).contains("line 1");
        Answer unknown = post("/api/workspaces", Map.of("slug", unique("u"), "name", "U", "colour", "red"))
                .expectProblem(400, "validation_failed");
        assertThat(unknown.body().get("errors").get(0).get("field").asString()).isEqualTo("colour");
        Answer wrongType = post("/api/workspaces", Map.of("slug", unique("t"), "name", 42))
                .expectProblem(400, "validation_failed");
        assertThat(wrongType.body().get("errors").get(0).get("message").asString())
                .isEqualTo("must be a string");
        Answer badSlug = post("/api/workspaces", Map.of("slug", "Not A Slug", "name", "N"))
                .expectProblem(400, "validation_failed");
        assertThat(badSlug.body().get("errors").get(0).get("field").asString()).isEqualTo("slug");
        Answer missing = post("/api/workspaces", Map.of()).expectProblem(400, "validation_failed");
        assertThat(fields(missing)).containsExactly("name", "slug");
        post("/api/workspaces", Map.of("slug", unique("m"), "name", "M", "metadata", List.of(1)))
                .expectProblem(400, "validation_failed");
        post("/api/workspaces", null).expectProblem(400, "missing_body");
        send("POST", "/api/workspaces", "[]").expectProblem(400, "validation_failed");

        get("/api/workspaces/not-a-uuid").expectProblem(400, "invalid_parameter");
        get("/api/workspaces?limit=0").expectProblem(400, "validation_failed");
        get("/api/workspaces?cursor=bm90LWEtY3Vyc29y").expectProblem(400, "validation_failed");
        patch("/api/workspaces/" + UUID.randomUUID(), Map.of("name", "x")).expectProblem(404, "workspace_not_found");
        patch("/api/workspaces/" + newWorkspace(), Map.of()).expectProblem(400, "validation_failed");
        get("/api/nothing-here").expectProblem(404, "not_found");
        send("PUT", "/api/workspaces", Map.of()).expectProblem(405, "method_not_allowed");

        assertThat(count("workspaces")).isEqualTo(before + 1);
    }

    @Test
    void bodiesOverOneMebibyteAreRefused() {
        long before = count("workspaces");
        String huge = "x".repeat(1024 * 1024 + 1);

        post("/api/workspaces", Map.of("slug", unique("big"), "name", "Big", "description", huge))
                .expectProblem(413, "payload_too_large");

        assertThat(count("workspaces")).isEqualTo(before);
    }

    private static List<String> fields(Answer answer) {
        return answer.body()
                .get("errors")
                .valueStream()
                .map(e -> e.get("field").asString())
                .toList();
    }
}
