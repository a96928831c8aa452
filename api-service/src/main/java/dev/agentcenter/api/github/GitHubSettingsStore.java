package dev.agentcenter.api.github;

import dev.agentcenter.api.web.JsonColumns;
import dev.agentcenter.api.web.Rows;
import dev.agentcenter.support.SecretBinding;
import java.sql.Types;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** {@code github_settings}: a connection's sealed webhook secret and triggers, and its delivery log. */
@Repository
class GitHubSettingsStore {

    private final JdbcClient db;
    private final JsonColumns json;

    GitHubSettingsStore(JdbcClient db, JsonColumns json) {
        this.db = db;
        this.json = json;
    }

    /** A connection's settings (the defaults when it has none stored), as clients see them. */
    GitHubSettingsView view(UUID connectionId) {
        return db.sql("""
                        SELECT webhook_secret_ciphertext IS NOT NULL AS has_secret, settings, updated_at
                          FROM github_settings WHERE repo_connection_id = :id""")
                .param("id", connectionId)
                .query((rs, row) -> new GitHubSettingsView(
                        connectionId,
                        rs.getBoolean("has_secret"),
                        GitHubWebhookController.PATH,
                        json.read(rs.getString("settings"), GitHubSettings.class),
                        Rows.instant(rs, "updated_at")))
                .optional()
                .orElseGet(() -> new GitHubSettingsView(
                        connectionId, false, GitHubWebhookController.PATH, GitHubSettings.defaults(), null));
    }

    /** Stores the settings, and the sealed secret when one is given (else the stored one stays). */
    void save(UUID connectionId, GitHubSettings settings, byte[] sealedSecret) {
        db.sql("""
                        INSERT INTO github_settings (repo_connection_id, webhook_secret_ciphertext, settings)
                        VALUES (:id, :secret, CAST(:settings AS jsonb))
                        ON CONFLICT (repo_connection_id) DO UPDATE SET
                            webhook_secret_ciphertext = COALESCE(EXCLUDED.webhook_secret_ciphertext,
                                                                 github_settings.webhook_secret_ciphertext),
                            settings = EXCLUDED.settings,
                            updated_at = now()""")
                .param("id", connectionId)
                .param("secret", sealedSecret, Types.BINARY)
                .param("settings", json.write(settings))
                .update();
    }

    /** A connection that may receive a repository's deliveries: it has a webhook secret. */
    record Receiver(
            UUID id,
            UUID workspaceId,
            UUID projectId,
            String provider,
            String owner,
            String repo,
            byte[] sealedSecret,
            GitHubSettings settings) {

        SecretBinding secretBinding() {
            return SecretBinding.webhookSecret(id, workspaceId, provider, owner, repo);
        }
    }

    /** The connections of {@code owner/repo} (GitHub names are case-insensitive) that have a webhook secret. */
    List<Receiver> receivers(String owner, String repo) {
        return db.sql("""
                        SELECT c.id, c.workspace_id, c.project_id, c.provider, c.owner, c.repo,
                               s.webhook_secret_ciphertext, s.settings
                          FROM repo_connections c JOIN github_settings s ON s.repo_connection_id = c.id
                         WHERE c.provider = 'github' AND lower(c.owner) = lower(:owner) AND lower(c.repo) = lower(:repo)
                           AND s.webhook_secret_ciphertext IS NOT NULL
                         ORDER BY c.created_at, c.id""")
                .param("owner", owner)
                .param("repo", repo)
                .query((rs, row) -> new Receiver(
                        Rows.uuid(rs, "id"),
                        Rows.uuid(rs, "workspace_id"),
                        Rows.uuid(rs, "project_id"),
                        rs.getString("provider"),
                        rs.getString("owner"),
                        rs.getString("repo"),
                        rs.getBytes("webhook_secret_ciphertext"),
                        json.read(rs.getString("settings"), GitHubSettings.class)))
                .list();
    }

    /** The connection's latest deliveries, newest first. */
    List<Map<String, Object>> deliveries(UUID connectionId, int limit) {
        return db.sql("""
                        SELECT delivery_id, event, action, outcome, detail, task_id, received_at
                          FROM github_deliveries WHERE repo_connection_id = :id
                         ORDER BY received_at DESC, delivery_id LIMIT :limit""")
                .param("id", connectionId)
                .param("limit", limit)
                .query((rs, row) -> {
                    Map<String, Object> delivery = new java.util.LinkedHashMap<>();
                    delivery.put("deliveryId", rs.getString("delivery_id"));
                    delivery.put("event", rs.getString("event"));
                    delivery.put("action", rs.getString("action"));
                    delivery.put("outcome", rs.getString("outcome"));
                    delivery.put("detail", rs.getString("detail"));
                    delivery.put("taskId", Rows.uuid(rs, "task_id"));
                    Instant received = Rows.instant(rs, "received_at");
                    delivery.put("receivedAt", received);
                    return delivery;
                })
                .list();
    }
}
