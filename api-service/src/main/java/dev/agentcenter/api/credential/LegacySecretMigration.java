package dev.agentcenter.api.credential;

import dev.agentcenter.support.SealedSecrets;
import dev.agentcenter.support.SecretBinding;
import dev.agentcenter.support.SecretKeyException;
import dev.agentcenter.support.UnreadableSecretException;
import java.sql.Types;
import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * At start, before the API listens: derives the key (so a passphrase's Argon2id runs once, now) and re-seals every
 * value still in the v1 format (constant associated data, SHA-256 of a passphrase) in the row-bound v2 format.
 *
 * <p>Flyway cannot do this: it does not know the key. One transaction under an advisory lock, so API processes
 * starting together migrate each row once (the second finds nothing left), a crash leaves every row as it was, and a
 * value replaced meanwhile by a request is not overwritten ({@code WHERE ciphertext = old}). A v1 value that does not
 * open with the configured key (it was stored under another one) is left as it was and reported; once none is left,
 * v1 is retired ({@code encryption_settings.v1_retired_at}) and no service opens a v1 value any more.
 *
 * <p>It never stops the API from starting: on any failure the rows stay as they were (v1 stays readable) and the next
 * start tries again.
 */
@Component
class LegacySecretMigration implements SmartInitializingSingleton {

    private static final Logger log = LoggerFactory.getLogger(LegacySecretMigration.class);

    /** {@code pg_advisory_xact_lock} key: "AC" "seal" in ASCII, unique to this job. */
    private static final long LOCK = 0x4143_7365_616c_0001L;

    private static final String V1 = "substring(%s FROM 1 FOR 1) = '\\x01'::bytea";

    /** What one pass did. */
    record Outcome(int resealed, int unreadable, boolean retired) {}

    private final Secrets secrets;
    private final JdbcClient db;
    private final TransactionTemplate transaction;

    LegacySecretMigration(Secrets secrets, JdbcClient db, PlatformTransactionManager transactions) {
        this.secrets = secrets;
        this.db = db;
        this.transaction = new TransactionTemplate(transactions);
    }

    @Override
    public void afterSingletonsInstantiated() {
        if (!secrets.available()) {
            return;
        }
        try {
            secrets.sealed().warmUp();
            run();
        } catch (SecretKeyException e) {
            log.error("Stored secrets cannot be used: {}", e.getMessage());
        } catch (RuntimeException e) {
            log.error(
                    "Re-sealing v1 secrets failed; they stay as they were and readable, and the next start tries"
                            + " again",
                    e);
        }
    }

    /** One pass: re-seals what is left of v1 and retires v1 when nothing is left. */
    Outcome run() {
        SealedSecrets sealed = secrets.sealed();
        Outcome outcome = transaction.execute(status -> {
            db.sql("SELECT pg_advisory_xact_lock(:lock)")
                    .param("lock", LOCK)
                    .query()
                    .listOfRows();
            boolean retired = db.sql("SELECT v1_retired_at IS NOT NULL FROM encryption_settings WHERE id")
                    .query(Boolean.class)
                    .optional()
                    .orElse(true);
            List<Row> rows = legacyRows();
            if (retired) {
                return new Outcome(0, rows.size(), true);
            }
            int resealed = 0;
            int unreadable = 0;
            for (Row row : rows) {
                String plain;
                try {
                    plain = sealed.openLegacy(row.stored(), row.binding());
                } catch (UnreadableSecretException e) {
                    unreadable++;
                    log.warn("Left a v1 secret as it was, it does not open with this key: {}", row.binding());
                    continue;
                }
                resealed += db.sql(row.update())
                        .param("sealed", sealed.seal(plain, row.binding()), Types.BINARY)
                        .param("old", row.stored(), Types.BINARY)
                        .param("key", row.key())
                        .update();
            }
            if (unreadable == 0) {
                db.sql("UPDATE encryption_settings SET v1_retired_at = now() WHERE id AND v1_retired_at IS NULL")
                        .update();
            }
            return new Outcome(resealed, unreadable, unreadable == 0);
        });
        if (outcome.resealed() > 0) {
            log.info("Re-sealed {} stored secrets in the row-bound v2 format", outcome.resealed());
        }
        if (outcome.unreadable() > 0) {
            log.warn(
                    outcome.retired()
                            ? "{} stored secrets are in the retired v1 format and will not open: store them again"
                            : "{} stored secrets in the v1 format do not open with this CREDENTIAL_ENCRYPTION_KEY: they"
                                    + " stay as they were until the key they were sealed with is configured, or they"
                                    + " are stored again",
                    outcome.unreadable());
        }
        return outcome;
    }

    private List<Row> legacyRows() {
        List<Row> credentials = db.sql("SELECT provider, kind, ciphertext FROM credentials WHERE "
                        + V1.formatted("ciphertext") + " ORDER BY provider FOR UPDATE")
                .query((rs, n) -> new Row(
                        SecretBinding.credential(rs.getString("provider"), rs.getString("kind")),
                        "UPDATE credentials SET ciphertext = :sealed WHERE provider = :key AND ciphertext = :old",
                        rs.getString("provider"),
                        rs.getBytes("ciphertext")))
                .list();
        List<Row> tokens = db.sql("SELECT id, workspace_id, provider, owner, repo, token_ciphertext"
                        + " FROM repo_connections WHERE " + V1.formatted("token_ciphertext")
                        + " ORDER BY id FOR UPDATE")
                .query((rs, n) -> new Row(
                        SecretBinding.repositoryToken(
                                rs.getObject("id", UUID.class),
                                rs.getObject("workspace_id", UUID.class),
                                rs.getString("provider"),
                                rs.getString("owner"),
                                rs.getString("repo")),
                        "UPDATE repo_connections SET token_ciphertext = :sealed WHERE id = :key"
                                + " AND token_ciphertext = :old",
                        rs.getObject("id", UUID.class),
                        rs.getBytes("token_ciphertext")))
                .list();
        return java.util.stream.Stream.concat(credentials.stream(), tokens.stream())
                .toList();
    }

    /** A v1 value, where it lives, and the statement that replaces it. */
    private record Row(SecretBinding binding, String update, Object key, byte[] stored) {}
}
