package dev.agentcenter.migrations;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentcenter.support.DatabaseSettings;
import dev.agentcenter.testing.TestDatabase;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;
import org.junit.jupiter.api.Test;

class SchemaMigrationTest {

    private static Flyway flyway(DatabaseSettings db) {
        return Flyway.configure()
                .dataSource(db.jdbcUrl(), db.username(), db.password())
                .locations("classpath:db/migration")
                .load();
    }

    private static Connection connect(DatabaseSettings db) throws SQLException {
        return DriverManager.getConnection(db.jdbcUrl(), db.username(), db.password());
    }

    @Test
    void migratesAnEmptyDatabaseToHeadAndCreatesEveryTable() throws Exception {
        DatabaseSettings db = TestDatabase.shared().freshDatabase();

        MigrateResult result = flyway(db).migrate();

        assertThat(result.success).isTrue();
        assertThat(result.migrationsExecuted).isGreaterThanOrEqualTo(1);
        List<String> tables = new ArrayList<>();
        try (var connection = connect(db);
                var rows = connection
                        .createStatement()
                        .executeQuery("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")) {
            while (rows.next()) {
                tables.add(rows.getString(1));
            }
        }
        assertThat(tables)
                .contains(
                        "workspaces",
                        "projects",
                        "repo_connections",
                        "tasks",
                        "runs",
                        "run_events",
                        "run_diffs",
                        "automations",
                        "automation_fires",
                        "runners",
                        "credentials",
                        "api_keys",
                        "encryption_settings");
        assertThat(flyway(db).migrate().migrationsExecuted).isZero();
    }

    @Test
    void servicesStartingTogetherMigrateExactlyOnce() throws Exception {
        DatabaseSettings db = TestDatabase.shared().freshDatabase();
        var pool = Executors.newFixedThreadPool(3);
        try {
            List<Callable<Integer>> starts = List.of(
                    () -> flyway(db).migrate().migrationsExecuted,
                    () -> flyway(db).migrate().migrationsExecuted,
                    () -> flyway(db).migrate().migrationsExecuted);
            int executed = 0;
            for (Future<Integer> start : pool.invokeAll(starts)) {
                executed += start.get();
            }
            assertThat(executed).isEqualTo(flyway(db).info().applied().length);
        } finally {
            pool.shutdownNow();
        }
        try (var connection = connect(db);
                var rows = connection
                        .createStatement()
                        .executeQuery("SELECT count(*) FROM flyway_schema_history WHERE success")) {
            rows.next();
            assertThat(rows.getInt(1)).isEqualTo(flyway(db).info().applied().length);
        }
    }

    @Test
    void constraintsKeepATaskInsideOneWorkspaceAndOneActiveRunPerTask() throws Exception {
        DatabaseSettings db = TestDatabase.shared().freshDatabase();
        flyway(db).migrate();
        try (var connection = connect(db);
                var sql = connection.createStatement()) {
            sql.execute("INSERT INTO workspaces (id, slug, name) VALUES"
                    + " ('00000000-0000-0000-0000-00000000000a', 'a', 'A'),"
                    + " ('00000000-0000-0000-0000-00000000000b', 'b', 'B')");
            sql.execute("INSERT INTO projects (id, workspace_id, slug, name) VALUES"
                    + " ('00000000-0000-0000-0000-0000000000b1', '00000000-0000-0000-0000-00000000000b', 'p', 'P')");

            assertThatThrownBy(() -> sql.execute("INSERT INTO tasks (workspace_id, project_id, title) VALUES"
                            + " ('00000000-0000-0000-0000-00000000000a', '00000000-0000-0000-0000-0000000000b1', 't')"))
                    .isInstanceOf(SQLException.class)
                    .hasMessageContaining("tasks_project_fk");

            sql.execute("INSERT INTO tasks (id, workspace_id, title) VALUES"
                    + " ('00000000-0000-0000-0000-0000000000c1', '00000000-0000-0000-0000-00000000000a', 't')");
            sql.execute("INSERT INTO runs (task_id, attempt, permission_mode) VALUES"
                    + " ('00000000-0000-0000-0000-0000000000c1', 1, 'safe')");
            assertThatThrownBy(() -> sql.execute("INSERT INTO runs (task_id, attempt, permission_mode) VALUES"
                            + " ('00000000-0000-0000-0000-0000000000c1', 2, 'safe')"))
                    .isInstanceOf(SQLException.class)
                    .hasMessageContaining("runs_one_active_per_task");

            try (var rows =
                    sql.executeQuery("SELECT status FROM tasks WHERE id = '00000000-0000-0000-0000-0000000000c1'")) {
                rows.next();
                assertThat(rows.getString(1)).as("task status follows its run").isEqualTo("queued");
            }
        }
    }

    /** Each database gets its own random salt for the passphrase KDF, once, with the documented parameters. */
    @Test
    void everyDatabaseGetsOneEncryptionSettingsRowWithItsOwnSalt() throws Exception {
        List<String> salts = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            DatabaseSettings db = TestDatabase.shared().freshDatabase();
            flyway(db).migrate();
            try (var connection = connect(db);
                    var sql = connection.createStatement();
                    var rows = sql.executeQuery("SELECT kdf, encode(salt, 'hex'), memory_kib, iterations, parallelism,"
                            + " v1_retired_at FROM encryption_settings")) {
                assertThat(rows.next()).isTrue();
                assertThat(rows.getString(1)).isEqualTo("argon2id");
                salts.add(rows.getString(2));
                assertThat(rows.getInt(3)).isEqualTo(19456);
                assertThat(rows.getInt(4)).isEqualTo(2);
                assertThat(rows.getInt(5)).isEqualTo(1);
                assertThat(rows.getObject(6)).isNull();
                assertThat(rows.next()).isFalse();
                assertThatThrownBy(() -> sql.execute("INSERT INTO encryption_settings (kdf, salt, memory_kib,"
                                + " iterations, parallelism) VALUES ('argon2id', '\\x00', 19456, 2, 1)"))
                        .isInstanceOf(SQLException.class);
            }
        }
        assertThat(salts.get(0)).hasSize(64).isNotEqualTo(salts.get(1));
    }
}
