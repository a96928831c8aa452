package dev.agentcenter.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.DriverManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedPostgresHostTest {

    @TempDir
    Path dataDirectory;

    @Test
    void dataSurvivesARestartAndASecondHostJoinsTheRunningServer() throws Exception {
        try (EmbeddedPostgresHost first = EmbeddedPostgresHost.startOrJoin(dataDirectory)) {
            assertThat(first.owner()).isTrue();
            execute(first.settings(), "CREATE TABLE kept (v text); INSERT INTO kept VALUES ('still here')");

            try (EmbeddedPostgresHost second = EmbeddedPostgresHost.startOrJoin(dataDirectory)) {
                assertThat(second.owner()).isFalse();
                assertThat(second.settings().jdbcUrl())
                        .isEqualTo(first.settings().jdbcUrl());
            }
        }

        try (EmbeddedPostgresHost restarted = EmbeddedPostgresHost.startOrJoin(dataDirectory)) {
            assertThat(restarted.owner()).isTrue();
            try (var connection = DriverManager.getConnection(
                            restarted.settings().jdbcUrl(), restarted.settings().username(), null);
                    var rows = connection.createStatement().executeQuery("SELECT v FROM kept")) {
                assertThat(rows.next()).isTrue();
                assertThat(rows.getString(1)).isEqualTo("still here");
            }
        }
    }

    private static void execute(DatabaseSettings settings, String sql) throws Exception {
        try (var connection = DriverManager.getConnection(settings.jdbcUrl(), settings.username(), null)) {
            connection.createStatement().execute(sql);
        }
    }
}
