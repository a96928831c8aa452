package dev.agentcenter.support;

import static java.nio.file.attribute.PosixFilePermission.OWNER_READ;
import static java.nio.file.attribute.PosixFilePermission.OWNER_WRITE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentcenter.support.EmbeddedPostgresHost.Durability;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedPostgresHostTest {

    @TempDir
    Path directory;

    @Test
    void dataSurvivesARestartAndASecondHostJoinsTheRunningServer() throws Exception {
        Path data = directory.resolve("postgres");
        try (EmbeddedPostgresHost first = EmbeddedPostgresHost.startOrJoin(data, PostgresBinaries.perUserRoot())) {
            assertThat(first.owner()).isTrue();
            execute(first.settings(), "CREATE TABLE kept (v text); INSERT INTO kept VALUES ('still here')");

            try (EmbeddedPostgresHost second = EmbeddedPostgresHost.startOrJoin(data, PostgresBinaries.perUserRoot())) {
                assertThat(second.owner()).isFalse();
                assertThat(second.settings().jdbcUrl())
                        .isEqualTo(first.settings().jdbcUrl());
            }
        }

        try (EmbeddedPostgresHost restarted =
                EmbeddedPostgresHost.startOrJoin(data, PostgresBinaries.perUserRoot(), Durability.THROWAWAY)) {
            assertThat(restarted.owner()).isTrue();
            try (var connection = DriverManager.getConnection(
                            restarted.settings().jdbcUrl(),
                            restarted.settings().username(),
                            restarted.settings().password());
                    var rows = connection.createStatement().executeQuery("SELECT v FROM kept")) {
                assertThat(rows.next()).isTrue();
                assertThat(rows.getString(1)).isEqualTo("still here");
            }
        }
    }

    @Test
    void anInterruptedInitdbIsRedoneAndForeignFilesAreNeverTouched() throws Exception {
        Path data = directory.resolve("postgres");
        // What an initdb killed half-way leaves: a staging directory beside the data directory, never the latter.
        Path interrupted = Files.createDirectories(directory.resolve(".postgres.initdb-123"));
        Files.writeString(interrupted.resolve("PG_VERSION"), "17");
        Files.createDirectories(data);

        try (EmbeddedPostgresHost host =
                EmbeddedPostgresHost.startOrJoin(data, PostgresBinaries.perUserRoot(), Durability.THROWAWAY)) {
            execute(host.settings(), "SELECT 1");
        }
        assertThat(interrupted).doesNotExist();
        assertThat(data.resolve("PG_VERSION")).exists();

        Path someonesFiles = directory.resolve("not-postgres");
        Files.createDirectories(someonesFiles);
        Files.writeString(someonesFiles.resolve("notes.txt"), "mine");
        assertThatThrownBy(() -> EmbeddedPostgresHost.startOrJoin(
                        someonesFiles, PostgresBinaries.perUserRoot(), Durability.THROWAWAY))
                .rootCause()
                .hasMessageContaining("neither empty nor a Postgres data directory");
        assertThat(someonesFiles.resolve("notes.txt")).hasContent("mine");
    }

    @Test
    void theServerRequiresAGeneratedPasswordAndAClusterFromBeforePasswordsGetsOne() throws Exception {
        Path data = directory.resolve("postgres");
        Path passwordFile = directory.resolve("postgres.password");
        try (EmbeddedPostgresHost host =
                EmbeddedPostgresHost.startOrJoin(data, PostgresBinaries.perUserRoot(), Durability.THROWAWAY)) {
            assertThat(host.settings().password())
                    .isNotBlank()
                    .isEqualTo(Files.readString(passwordFile).strip());
            assertThat(Files.getPosixFilePermissions(passwordFile)).containsOnly(OWNER_READ, OWNER_WRITE);
            assertRefused(host.settings(), null);
            assertRefused(host.settings(), "postgres");
        }
        // What clusters made before passwords look like: trust for everyone, no password file.
        Files.writeString(
                data.resolve("pg_hba.conf"),
                Files.readString(data.resolve("pg_hba.conf")).replace("scram-sha-256", "trust"));
        Files.delete(passwordFile);

        try (EmbeddedPostgresHost host =
                EmbeddedPostgresHost.startOrJoin(data, PostgresBinaries.perUserRoot(), Durability.THROWAWAY)) {
            assertThat(Files.readString(data.resolve("pg_hba.conf"))).doesNotContainPattern("(?m)^[^#].*trust\\s*$");
            assertRefused(host.settings(), null);
            execute(host.settings(), "SELECT 1");
            try (EmbeddedPostgresHost joined =
                    EmbeddedPostgresHost.startOrJoin(data, PostgresBinaries.perUserRoot(), Durability.THROWAWAY)) {
                assertThat(joined.owner()).isFalse();
                execute(joined.settings(), "SELECT 1");
            }
        }
    }

    private static void assertRefused(DatabaseSettings settings, String password) {
        assertThatThrownBy(() -> DriverManager.getConnection(settings.jdbcUrl(), settings.username(), password))
                .isInstanceOfSatisfying(
                        SQLException.class,
                        e -> assertThat(e.getSQLState())
                                .isIn("28P01", "08004")); // invalid_password; no password supplied
    }

    private static void execute(DatabaseSettings settings, String sql) throws Exception {
        try (var connection =
                DriverManager.getConnection(settings.jdbcUrl(), settings.username(), settings.password())) {
            connection.createStatement().execute(sql);
        }
    }
}
