package dev.agentcenter.runner.run;

import dev.agentcenter.support.SecretBinding;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Types;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import tools.jackson.databind.JsonNode;

/** Runs with {@code config.agent} queued as the API and a worker would, plus what agent tests look at. */
abstract class AgentFixture extends RunnerFixture {

    /** The {@code config.agent} of a run. */
    static Map<String, Object> agent(String provider, String model) {
        Map<String, Object> agent = new LinkedHashMap<>();
        agent.put("provider", provider);
        if (model != null) {
            agent.put("model", model);
        }
        return agent;
    }

    /** A run as the API queues it (the prompt is the run's, else the task's) and a worker claims it. */
    Handle queueAgent(
            UUID task, String source, String prompt, Map<String, Object> agent, List<String> commands, String mode) {
        if (!"follow_up".equals(source)) {
            db.sql("UPDATE tasks SET prompt = :prompt WHERE id = :id")
                    .param("prompt", prompt)
                    .param("id", task)
                    .update();
        }
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("commands", commands.stream().map(c -> Map.of("command", c)).toList());
        config.put("agent", agent);
        UUID lease = UUID.randomUUID();
        UUID run = db.sql("""
                        INSERT INTO runs (task_id, attempt, status, source, prompt, permission_mode, config,
                                          lease_token, lease_expires_at)
                        SELECT :task, COALESCE(max(attempt), 0) + 1, 'provisioning', :source, :prompt, :mode,
                               CAST(:config AS jsonb), :lease, now() + interval '1 minute'
                          FROM runs WHERE task_id = :task
                        RETURNING id""")
                .param("task", task)
                .param("source", source)
                .param("prompt", prompt)
                .param("mode", mode)
                .param("config", JSON.writeValueAsString(config))
                .param("lease", lease)
                .query(UUID.class)
                .single();
        return new Handle(run, task, lease);
    }

    /** What the API stores for {@code POST /api/credentials/{provider}}. */
    void storeCredential(String provider, String kind, String value) {
        db.sql("""
                        INSERT INTO credentials (provider, kind, ciphertext, hint) VALUES (:provider, :kind, :sealed, NULL)
                        ON CONFLICT (provider) DO UPDATE SET kind = EXCLUDED.kind, ciphertext = EXCLUDED.ciphertext""")
                .param("provider", provider)
                .param("kind", kind)
                .param("sealed", secrets.seal(value, SecretBinding.credential(provider, kind)), Types.BINARY)
                .update();
    }

    String everything(Handle run) {
        return db.sql("SELECT string_agg(coalesce(message, '') || ' ' || payload::text, '\n') FROM run_events"
                                + " WHERE run_id = :id")
                        .param("id", run.runId())
                        .query(String.class)
                        .single()
                + db.sql("SELECT coalesce(max(error_message), '') FROM runs WHERE id = :id")
                        .param("id", run.runId())
                        .query(String.class)
                        .single();
    }

    String levelOf(Handle run, String type) {
        return db.sql("SELECT level FROM run_events WHERE run_id = :id AND event_type = :type ORDER BY sequence"
                        + " LIMIT 1")
                .param("id", run.runId())
                .param("type", type)
                .query(String.class)
                .single();
    }

    static List<String> agentTypes(List<JsonNode> events) {
        return types(events).stream().filter(t -> t.startsWith("agent.")).toList();
    }

    static JsonNode first(List<JsonNode> events, String type) {
        return all(events, type).getFirst();
    }

    static List<JsonNode> all(List<JsonNode> events, String type) {
        return events.stream()
                .filter(e -> e.get("event_type").asString().equals(type))
                .toList();
    }

    static String unique() {
        return "t" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    }

    static java.util.Set<java.nio.file.attribute.PosixFilePermission> permissions(Path path) {
        try {
            return Files.getPosixFilePermissions(path);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
