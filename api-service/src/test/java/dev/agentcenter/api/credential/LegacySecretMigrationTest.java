package dev.agentcenter.api.credential;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentcenter.api.ApiApplication;
import dev.agentcenter.api.web.ApiException;
import dev.agentcenter.support.DatabaseSettings;
import dev.agentcenter.support.SecretBinding;
import dev.agentcenter.testing.LegacySealing;
import dev.agentcenter.testing.TestDatabase;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.SecureRandom;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/**
 * Finding 6 of issue 12, the upgrade: a database whose secrets were stored by the previous version (v1: SHA-256 of the
 * passphrase, associated data a constant per purpose; reproduced by {@link LegacySealing}) is re-sealed in the
 * row-bound v2 format when the API starts. Each test has a database of its own and starts the real API on it.
 */
class LegacySecretMigrationTest {

    private static final String PASSPHRASE = "the passphrase the old version sealed with";
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    /** What the old version stored: the table's key, the binding it now gets, and the plaintext. */
    private record Stored(String table, Object key, SecretBinding binding, String plaintext) {}

    @Test
    void v1RowsAreResealedAtStartOpenToTheSameValuesAndAreThenBoundToTheirRow() throws Exception {
        DatabaseSettings database = migratedDatabase();
        JdbcClient db = jdbc(database);
        List<Stored> stored = storeAsTheOldVersionDid(db, PASSPHRASE);
        byte[] v1Copy = ciphertext(db, stored.getFirst());

        Map<String, String> afterFirstStart;
        try (ConfigurableApplicationContext api = start(database, PASSPHRASE)) {
            Secrets secrets = api.getBean(Secrets.class);
            for (Stored row : stored) {
                byte[] now = ciphertext(db, row);
                assertThat(now[0]).as("format of %s", row.binding()).isEqualTo((byte) 2);
                assertThat(secrets.open(now, row.binding())).isEqualTo(row.plaintext());
            }
            assertThat(db.sql("SELECT v1_retired_at IS NOT NULL FROM encryption_settings")
                            .query(Boolean.class)
                            .single())
                    .isTrue();

            // The hostile part: workspace B's token copied into workspace A's connection no longer opens.
            Stored a = stored.get(0);
            Stored b = stored.get(1);
            db.sql("UPDATE repo_connections SET token_ciphertext = :sealed WHERE id = :id")
                    .param("sealed", ciphertext(db, b), Types.BINARY)
                    .param("id", a.key())
                    .update();
            HttpResponse<String> answer = post(api, "/api/repo-connections/" + a.key() + "/test");
            assertThat(answer.statusCode()).as(answer.body()).isEqualTo(422);
            assertThat(answer.body()).contains("stored_secret_unreadable").doesNotContain(b.plaintext());

            // A v1 value kept from before the migration and put back is refused now that v1 is retired.
            db.sql("UPDATE repo_connections SET token_ciphertext = :sealed WHERE id = :id")
                    .param("sealed", v1Copy, Types.BINARY)
                    .param("id", a.key())
                    .update();
            answer = post(api, "/api/repo-connections/" + a.key() + "/test");
            assertThat(answer.statusCode()).as(answer.body()).isEqualTo(422);
            assertThat(answer.body()).contains("stored_secret_unreadable").contains("retired v1 format");
            assertThatThrownBy(() -> secrets.open(v1Copy, a.binding()))
                    .isInstanceOf(ApiException.class)
                    .hasMessageContaining("retired");
            afterFirstStart = ciphertexts(db, stored);
        }

        // A second start (or a second API process) finds nothing to do and changes nothing.
        try (ConfigurableApplicationContext api = start(database, PASSPHRASE)) {
            assertThat(ciphertexts(db, stored)).isEqualTo(afterFirstStart);
            assertThat(api.getBean(LegacySecretMigration.class).run())
                    .isEqualTo(new LegacySecretMigration.Outcome(0, 1, true));
        }
    }

    @Test
    void aRawKeyIsTheSameKeyInBothFormatsAndItsRowsAreResealedToo() throws Exception {
        String rawKey = randomKey();
        DatabaseSettings database = migratedDatabase();
        JdbcClient db = jdbc(database);
        List<Stored> stored = storeAsTheOldVersionDid(db, rawKey);

        try (ConfigurableApplicationContext api = start(database, rawKey)) {
            Secrets secrets = api.getBean(Secrets.class);
            for (Stored row : stored) {
                byte[] now = ciphertext(db, row);
                assertThat(now[0]).isEqualTo((byte) 2);
                assertThat(secrets.open(now, row.binding())).isEqualTo(row.plaintext());
            }
        }
    }

    /**
     * A v1 value sealed under another key cannot be migrated: it is left exactly as it was, the rest is migrated, v1
     * stays open (so restoring the right key and restarting still migrates it), and opening it is a clear 422.
     * Then API processes migrating at the same moment re-seal each row once.
     */
    @Test
    void aValueUnderAnotherKeyIsLeftAsItWasAndConcurrentPassesResealEachRowOnce() throws Exception {
        DatabaseSettings database = migratedDatabase();
        JdbcClient db = jdbc(database);
        List<Stored> stored = storeAsTheOldVersionDid(db, PASSPHRASE);
        Stored foreign = stored.getLast();
        byte[] foreignValue = LegacySealing.seal("some other passphrase", "credential:anthropic", "sk-ant-foreign");
        db.sql("UPDATE credentials SET ciphertext = :sealed WHERE provider = 'anthropic'")
                .param("sealed", foreignValue, Types.BINARY)
                .update();

        try (ConfigurableApplicationContext api = start(database, PASSPHRASE)) {
            assertThat(ciphertext(db, foreign)).isEqualTo(foreignValue);
            for (Stored row : stored.subList(0, stored.size() - 1)) {
                assertThat(ciphertext(db, row)[0]).isEqualTo((byte) 2);
            }
            assertThat(db.sql("SELECT v1_retired_at IS NULL FROM encryption_settings")
                            .query(Boolean.class)
                            .single())
                    .isTrue();
            Secrets secrets = api.getBean(Secrets.class);
            assertThatThrownBy(() -> secrets.open(foreignValue, foreign.binding()))
                    .isInstanceOfSatisfying(
                            ApiException.class, e -> assertThat(e.code()).isEqualTo("stored_secret_unreadable"));

            // Everything back to v1 (readable this time), then two passes at once, as two API processes starting.
            List<Stored> again = storeAsTheOldVersionDid(db, PASSPHRASE, "again");
            LegacySecretMigration migration = api.getBean(LegacySecretMigration.class);
            CyclicBarrier together = new CyclicBarrier(2);
            ExecutorService pool = Executors.newFixedThreadPool(2);
            try {
                List<Future<LegacySecretMigration.Outcome>> passes = new ArrayList<>();
                for (int i = 0; i < 2; i++) {
                    passes.add(pool.submit(() -> {
                        together.await();
                        return migration.run();
                    }));
                }
                List<Integer> resealed = new ArrayList<>();
                for (Future<LegacySecretMigration.Outcome> pass : passes) {
                    resealed.add(pass.get().resealed());
                }
                assertThat(resealed).containsExactlyInAnyOrder(0, again.size());
            } finally {
                pool.shutdownNow();
            }
            for (Stored row : again) {
                byte[] now = ciphertext(db, row);
                assertThat(now[0]).isEqualTo((byte) 2);
                assertThat(secrets.open(now, row.binding())).isEqualTo(row.plaintext());
            }
        }
    }

    /**
     * Without its salt a passphrase cannot become the key: the API still starts (everything else keeps working),
     * storing a secret is a clear 422 and nothing is written.
     */
    @Test
    void aMissingSettingsRowIsAClear422NotAFailedStart() throws Exception {
        DatabaseSettings database = migratedDatabase();
        JdbcClient db = jdbc(database);
        db.sql("DELETE FROM encryption_settings").update();

        try (ConfigurableApplicationContext api = start(database, PASSPHRASE)) {
            HttpResponse<String> answer = send(
                    api,
                    "/api/credentials/anthropic",
                    HttpRequest.BodyPublishers.ofString("{\"apiKey\": \"sk-ant-0123456789abcdef\"}"));
            assertThat(answer.statusCode()).as(answer.body()).isEqualTo(422);
            assertThat(answer.body())
                    .contains("encryption_key_unusable")
                    .contains("encryption_settings")
                    .doesNotContain("sk-ant-0123456789abcdef");
            assertThat(db.sql("SELECT count(*) FROM credentials")
                            .query(Long.class)
                            .single())
                    .isZero();
        }
    }

    // ---- helpers ----------------------------------------------------------------------------------------------

    private static DatabaseSettings migratedDatabase() {
        DatabaseSettings database = TestDatabase.shared().freshDatabase();
        Flyway.configure()
                .dataSource(database.jdbcUrl(), database.username(), database.password())
                .locations("classpath:db/migration")
                .load()
                .migrate();
        return database;
    }

    private static JdbcClient jdbc(DatabaseSettings database) {
        return JdbcClient.create(
                new DriverManagerDataSource(database.jdbcUrl(), database.username(), database.password()));
    }

    private static List<Stored> storeAsTheOldVersionDid(JdbcClient db, String key) {
        return storeAsTheOldVersionDid(db, key, "first");
    }

    /**
     * Two workspaces with a connection each (with tokens) and one without a token, and both providers' credentials,
     * every secret sealed as the previous version sealed it. Replaces the credentials already there.
     */
    private static List<Stored> storeAsTheOldVersionDid(JdbcClient db, String key, String label) {
        List<Stored> stored = new ArrayList<>();
        for (String workspaceName : List.of("a", "b")) {
            UUID workspace = db.sql("INSERT INTO workspaces (slug, name) VALUES (:slug, :slug) RETURNING id")
                    .param(
                            "slug",
                            label + "-" + workspaceName + "-"
                                    + UUID.randomUUID().toString().substring(0, 8))
                    .query(UUID.class)
                    .single();
            String repo = "repo-" + workspaceName;
            String token = "ghp_" + label + workspaceName
                    + UUID.randomUUID().toString().replace("-", "");
            UUID id = db.sql("""
                            INSERT INTO repo_connections (workspace_id, owner, repo, auth_type, token_ciphertext)
                            VALUES (:w, 'acme', :repo, 'pat', :sealed) RETURNING id""")
                    .param("w", workspace)
                    .param("repo", repo)
                    .param("sealed", LegacySealing.seal(key, "repo_token", token), Types.BINARY)
                    .query(UUID.class)
                    .single();
            stored.add(new Stored(
                    "repo_connections",
                    id,
                    SecretBinding.repositoryToken(id, workspace, "github", "acme", repo),
                    token));
            db.sql("INSERT INTO repo_connections (workspace_id, owner, repo) VALUES (:w, 'acme', 'public')")
                    .param("w", workspace)
                    .update();
        }
        Map<String, String> kinds = new LinkedHashMap<>();
        kinds.put("openai", "codex_auth_json");
        kinds.put("anthropic", "api_key");
        for (Map.Entry<String, String> credential : kinds.entrySet()) {
            String provider = credential.getKey();
            String value = credential.getValue().equals("api_key")
                    ? "sk-ant-" + label + UUID.randomUUID()
                    : "{\"tokens\": {\"access_token\": \"" + label + UUID.randomUUID() + "\"}}";
            db.sql("""
                            INSERT INTO credentials (provider, kind, ciphertext) VALUES (:provider, :kind, :sealed)
                            ON CONFLICT (provider) DO UPDATE
                                SET kind = EXCLUDED.kind, ciphertext = EXCLUDED.ciphertext""")
                    .param("provider", provider)
                    .param("kind", credential.getValue())
                    .param("sealed", LegacySealing.seal(key, "credential:" + provider, value), Types.BINARY)
                    .update();
            stored.add(new Stored(
                    "credentials", provider, SecretBinding.credential(provider, credential.getValue()), value));
        }
        return stored;
    }

    private static byte[] ciphertext(JdbcClient db, Stored row) {
        return row.table().equals("credentials")
                ? db.sql("SELECT ciphertext FROM credentials WHERE provider = :key")
                        .param("key", row.key())
                        .query(byte[].class)
                        .single()
                : db.sql("SELECT token_ciphertext FROM repo_connections WHERE id = :key")
                        .param("key", row.key())
                        .query(byte[].class)
                        .single();
    }

    /** Every stored value in base64, comparable as a whole. */
    private static Map<String, String> ciphertexts(JdbcClient db, List<Stored> rows) {
        Map<String, String> values = new LinkedHashMap<>();
        for (Stored row : rows) {
            values.put(row.table() + ":" + row.key(), Base64.getEncoder().encodeToString(ciphertext(db, row)));
        }
        return values;
    }

    /** The real API on a random port; arguments, since they outrank the environment defaults of application.yml. */
    private static ConfigurableApplicationContext start(DatabaseSettings database, String key) {
        return new SpringApplicationBuilder(ApiApplication.class)
                .run(
                        "--spring.datasource.url=" + database.jdbcUrl(),
                        "--spring.datasource.username=" + database.username(),
                        "--spring.datasource.password=" + (database.password() == null ? "" : database.password()),
                        "--server.address=127.0.0.1",
                        "--server.port=0",
                        "--agent-center.api.token=",
                        "--agent-center.credentials.encryption-key=" + key,
                        "--agent-center.github.fallback-tokens=",
                        "--agent-center.github.api-base-url=http://127.0.0.1:1");
    }

    private static HttpResponse<String> post(ConfigurableApplicationContext api, String path) throws Exception {
        return send(api, path, HttpRequest.BodyPublishers.noBody());
    }

    private static HttpResponse<String> send(
            ConfigurableApplicationContext api, String path, HttpRequest.BodyPublisher body) throws Exception {
        String port = api.getEnvironment().getProperty("local.server.port");
        return HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                        .header("Content-Type", "application/json")
                        .POST(body)
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static String randomKey() {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        return Base64.getEncoder().encodeToString(key);
    }
}
