package dev.agentcenter.api.credential;

import dev.agentcenter.api.web.Rows;
import dev.agentcenter.model.CredentialStatus;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * Provider credentials in Postgres, one row per provider. Reads for clients never select the ciphertext; only
 * {@link #sealed} does, for the code that hands a credential to a run.
 */
@Repository
public class CredentialStore {

    private final JdbcClient db;

    CredentialStore(JdbcClient db) {
        this.db = db;
    }

    /** What was stored, and whether it was new (a first store) rather than a replacement. */
    record Stored(CredentialStatus status, boolean created) {}

    /**
     * Inserts or replaces the provider's credential in one statement, so concurrent stores cannot conflict;
     * {@code ciphertext} is already sealed. {@code xmax = 0} holds only for a freshly inserted row version, which tells
     * a first store (201) from a replacement (200) without a second query.
     */
    Stored upsert(CredentialProvider provider, CredentialKind kind, byte[] ciphertext, String hint) {
        return db.sql("""
                        INSERT INTO credentials (provider, kind, ciphertext, hint)
                        VALUES (:provider, :kind, :ciphertext, :hint)
                        ON CONFLICT (provider) DO UPDATE
                            SET kind = EXCLUDED.kind, ciphertext = EXCLUDED.ciphertext, hint = EXCLUDED.hint,
                                updated_at = now()
                        RETURNING provider, kind, hint, updated_at, (xmax = 0) AS created""")
                .param("provider", provider.id())
                .param("kind", kind.id())
                .param("ciphertext", ciphertext, Types.BINARY)
                .param("hint", hint)
                .query((rs, row) -> new Stored(map(rs, row), rs.getBoolean("created")))
                .single();
    }

    /** The provider's status: {@code configured:false} with nulls when nothing is stored. */
    CredentialStatus status(CredentialProvider provider) {
        return db.sql("SELECT provider, kind, hint, updated_at FROM credentials WHERE provider = :provider")
                .param("provider", provider.id())
                .query(CredentialStore::map)
                .optional()
                .orElseGet(() -> CredentialStatus.none(provider.id()));
    }

    /** Deletes the provider's credential; {@code false} when there was none. */
    boolean delete(CredentialProvider provider) {
        return db.sql("DELETE FROM credentials WHERE provider = :provider")
                        .param("provider", provider.id())
                        .update()
                > 0;
    }

    /**
     * The provider's kind and sealed value, to be opened with {@link Secrets#open} and
     * {@link dev.agentcenter.support.SecretBinding#credential}.
     */
    public Optional<Sealed> sealed(String provider) {
        return db.sql("SELECT kind, ciphertext FROM credentials WHERE provider = :provider")
                .param("provider", provider)
                .query((rs, row) -> new Sealed(provider, rs.getString("kind"), rs.getBytes("ciphertext")))
                .optional();
    }

    /** A stored credential, still encrypted. */
    public record Sealed(String provider, String kind, byte[] ciphertext) {}

    private static CredentialStatus map(ResultSet rs, int row) throws SQLException {
        return new CredentialStatus(
                rs.getString("provider"),
                true,
                rs.getString("kind"),
                rs.getString("hint"),
                Rows.instant(rs, "updated_at"));
    }
}
