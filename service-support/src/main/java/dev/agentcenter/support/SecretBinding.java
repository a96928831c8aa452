package dev.agentcenter.support;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.SequencedMap;
import java.util.UUID;

/**
 * Where a sealed secret lives, bound into its AES-GCM associated data: purpose, table, column and the row's identity
 * (with the columns that say what the secret is for). A value copied to another row, moved with its row to another
 * workspace, or left in place while the row is pointed at another repository or provider no longer opens.
 *
 * <p>Every sealed column of the schema has its factory here, so the API (which seals) and the runner (which opens)
 * cannot disagree. A code path that changes one of the bound columns must seal the secret again.
 */
public final class SecretBinding {

    private static final byte[] DOMAIN = "agent-center sealed secret".getBytes(StandardCharsets.UTF_8);

    private final String purpose;
    private final String table;
    private final String column;
    private final SequencedMap<String, String> row;
    private final String legacyPurpose;

    private SecretBinding(
            String purpose, String table, String column, SequencedMap<String, String> row, String legacyPurpose) {
        this.purpose = purpose;
        this.table = table;
        this.column = column;
        this.row = row;
        this.legacyPurpose = legacyPurpose;
    }

    /**
     * A repository connection's access token ({@code repo_connections.token_ciphertext}), bound to the connection's id,
     * its workspace and the repository it is for.
     */
    public static SecretBinding repositoryToken(
            UUID connectionId, UUID workspaceId, String provider, String owner, String repo) {
        SequencedMap<String, String> row = connectionRow(connectionId, workspaceId, provider, owner, repo);
        return new SecretBinding("repo_token", "repo_connections", "token_ciphertext", row, "repo_token");
    }

    /**
     * A repository connection's GitHub webhook secret ({@code github_settings.webhook_secret_ciphertext}), bound like
     * its token: to the connection's id, its workspace and the repository it is for.
     */
    public static SecretBinding webhookSecret(
            UUID connectionId, UUID workspaceId, String provider, String owner, String repo) {
        SequencedMap<String, String> row = connectionRow(connectionId, workspaceId, provider, owner, repo);
        return new SecretBinding(
                "github_webhook_secret", "github_settings", "webhook_secret_ciphertext", row, "github_webhook_secret");
    }

    /** A repository connection's identity: its id, its workspace and the repository it is for. */
    private static SequencedMap<String, String> connectionRow(
            UUID connectionId, UUID workspaceId, String provider, String owner, String repo) {
        SequencedMap<String, String> row = new LinkedHashMap<>();
        row.put("id", require(connectionId, "connectionId").toString());
        row.put("workspace_id", require(workspaceId, "workspaceId").toString());
        row.put("provider", require(provider, "provider"));
        row.put("owner", require(owner, "owner"));
        row.put("repo", require(repo, "repo"));
        return row;
    }

    /**
     * A workspace's outbound webhook signing secret ({@code webhook_endpoints.secret_ciphertext}), bound to the
     * endpoint's id, its workspace and its URL: the secret cannot be moved to an endpoint that sends elsewhere.
     */
    public static SecretBinding webhookEndpointSecret(UUID endpointId, UUID workspaceId, String url) {
        SequencedMap<String, String> row = new LinkedHashMap<>();
        row.put("id", require(endpointId, "endpointId").toString());
        row.put("workspace_id", require(workspaceId, "workspaceId").toString());
        row.put("url", require(url, "url"));
        return new SecretBinding(
                "webhook_endpoint_secret", "webhook_endpoints", "secret_ciphertext", row, "webhook_endpoint_secret");
    }

    /**
     * A coding agent's credential ({@code credentials.ciphertext}): the table's key is the provider, and the kind is
     * bound too, so an API key cannot be turned into a Codex {@code auth.json} or the other way round.
     */
    public static SecretBinding credential(String provider, String kind) {
        SequencedMap<String, String> row = new LinkedHashMap<>();
        row.put("provider", require(provider, "provider"));
        row.put("kind", require(kind, "kind"));
        return new SecretBinding("credential", "credentials", "ciphertext", row, "credential:" + provider);
    }

    /** The associated data of the retired v1 format: a constant per purpose (and provider), no row. */
    String legacyPurpose() {
        return legacyPurpose;
    }

    /**
     * The associated data for a ciphertext of {@code version}: every field length-prefixed, so no two bindings encode
     * alike.
     */
    byte[] associatedData(byte version) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(128);
        field(out, DOMAIN);
        out.write(version);
        field(out, purpose);
        field(out, table);
        field(out, column);
        for (Map.Entry<String, String> entry : row.entrySet()) {
            field(out, entry.getKey());
            field(out, entry.getValue());
        }
        return out.toByteArray();
    }

    /** For logs and messages: names the column and row, never the secret. */
    @Override
    public String toString() {
        return table + "." + column + " " + row;
    }

    private static void field(ByteArrayOutputStream out, String value) {
        field(out, value.getBytes(StandardCharsets.UTF_8));
    }

    private static void field(ByteArrayOutputStream out, byte[] value) {
        out.writeBytes(ByteBuffer.allocate(4).putInt(value.length).array());
        out.writeBytes(value);
    }

    private static <T> T require(T value, String name) {
        return Objects.requireNonNull(value, () -> "a sealed secret's binding needs its " + name);
    }
}
