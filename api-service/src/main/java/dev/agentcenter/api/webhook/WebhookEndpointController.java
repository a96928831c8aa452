package dev.agentcenter.api.webhook;

import dev.agentcenter.api.credential.Secrets;
import dev.agentcenter.api.web.ApiException;
import dev.agentcenter.api.web.Rows;
import dev.agentcenter.api.workspace.WorkspaceStore;
import dev.agentcenter.support.SecretBinding;
import jakarta.validation.Valid;
import java.net.URI;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import okhttp3.HttpUrl;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * A workspace's outbound webhooks and their delivery log. The worker sends (worker-service OutboundSender): signed
 * JSON on {@code run.completed}, {@code run.failed} and {@code run.cancelled}, retried with backoff.
 */
@RestController
@RequestMapping("/api/webhook-endpoints")
class WebhookEndpointController {

    private static final String DELIVERY_COLUMNS = """
            id, run_id, endpoint_id, target, event, status, attempts, last_status_code, last_error, created_at,
            next_attempt_at, finished_at""";

    private final JdbcClient db;
    private final WorkspaceStore workspaces;
    private final Secrets secrets;

    WebhookEndpointController(JdbcClient db, WorkspaceStore workspaces, Secrets secrets) {
        this.db = db;
        this.workspaces = workspaces;
        this.secrets = secrets;
    }

    @PostMapping
    ResponseEntity<WebhookEndpoint> create(@Valid @RequestBody WebhookEndpointRequest request) {
        String url = request.url().strip();
        HttpUrl parsed = HttpUrl.parse(url);
        if (parsed == null
                || !url.regionMatches(
                        true, 0, parsed.scheme(), 0, parsed.scheme().length())) {
            throw ApiException.invalidField("url", "must be an http or https URL");
        }
        if (!workspaces.exists(request.workspaceId())) {
            throw ApiException.notFound("workspace", request.workspaceId());
        }
        UUID id = UUID.randomUUID();
        byte[] sealed =
                secrets.seal(request.secret(), SecretBinding.webhookEndpointSecret(id, request.workspaceId(), url));
        WebhookEndpoint created = db.sql("""
                        INSERT INTO webhook_endpoints (id, workspace_id, url, secret_ciphertext)
                        VALUES (:id, :workspace, :url, :secret)
                        RETURNING id, workspace_id, url, enabled, created_at""")
                .param("id", id)
                .param("workspace", request.workspaceId())
                .param("url", url)
                .param("secret", sealed, Types.BINARY)
                .query(WebhookEndpointController::endpoint)
                .single();
        return ResponseEntity.created(URI.create("/api/webhook-endpoints/" + id))
                .body(created);
    }

    @GetMapping
    Map<String, List<WebhookEndpoint>> list(@RequestParam UUID workspaceId) {
        if (!workspaces.exists(workspaceId)) {
            throw ApiException.notFound("workspace", workspaceId);
        }
        return Map.of(
                "items",
                db.sql("""
                                SELECT id, workspace_id, url, enabled, created_at FROM webhook_endpoints
                                 WHERE workspace_id = :workspace ORDER BY created_at DESC, id DESC""")
                        .param("workspace", workspaceId)
                        .query(WebhookEndpointController::endpoint)
                        .list());
    }

    @DeleteMapping("/{id}")
    ResponseEntity<Void> delete(@PathVariable UUID id) {
        if (db.sql("DELETE FROM webhook_endpoints WHERE id = :id")
                        .param("id", id)
                        .update()
                == 0) {
            throw ApiException.notFound("webhook_endpoint", id);
        }
        return ResponseEntity.noContent().build();
    }

    /** The endpoint's latest deliveries, newest first. */
    @GetMapping("/{id}/deliveries")
    Map<String, List<WebhookDelivery>> deliveries(@PathVariable UUID id, @RequestParam(defaultValue = "50") int limit) {
        if (limit < 1 || limit > 200) {
            throw ApiException.invalidField("limit", "must be between 1 and 200");
        }
        boolean exists = db.sql("SELECT count(*) FROM webhook_endpoints WHERE id = :id")
                        .param("id", id)
                        .query(Long.class)
                        .single()
                > 0;
        if (!exists) {
            throw ApiException.notFound("webhook_endpoint", id);
        }
        return Map.of(
                "items",
                db.sql("SELECT " + DELIVERY_COLUMNS + " FROM outbound_deliveries WHERE endpoint_id = :id"
                                + " ORDER BY created_at DESC, id DESC LIMIT :limit")
                        .param("id", id)
                        .param("limit", limit)
                        .query(WebhookEndpointController::delivery)
                        .list());
    }

    /** What was sent to GitHub and to the workspace's webhooks about one run. */
    @GetMapping("/deliveries")
    Map<String, List<WebhookDelivery>> ofRun(@RequestParam UUID runId) {
        return Map.of(
                "items",
                db.sql("SELECT " + DELIVERY_COLUMNS + " FROM outbound_deliveries WHERE run_id = :run"
                                + " ORDER BY created_at, target, id")
                        .param("run", runId)
                        .query(WebhookEndpointController::delivery)
                        .list());
    }

    private static WebhookEndpoint endpoint(ResultSet rs, int row) throws SQLException {
        return new WebhookEndpoint(
                Rows.uuid(rs, "id"),
                Rows.uuid(rs, "workspace_id"),
                rs.getString("url"),
                rs.getBoolean("enabled"),
                Rows.instant(rs, "created_at"));
    }

    private static WebhookDelivery delivery(ResultSet rs, int row) throws SQLException {
        return new WebhookDelivery(
                Rows.uuid(rs, "id"),
                Rows.uuid(rs, "run_id"),
                Rows.uuid(rs, "endpoint_id"),
                rs.getString("target"),
                rs.getString("event"),
                rs.getString("status"),
                rs.getInt("attempts"),
                Rows.integer(rs, "last_status_code"),
                rs.getString("last_error"),
                Rows.instant(rs, "created_at"),
                Rows.instant(rs, "next_attempt_at"),
                Rows.instant(rs, "finished_at"));
    }
}
