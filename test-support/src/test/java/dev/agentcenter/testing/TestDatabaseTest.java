package dev.agentcenter.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentcenter.support.DatabaseSettings;
import dev.agentcenter.testing.TestDatabase.Source;
import java.sql.DriverManager;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TestDatabaseTest {

    @Test
    void databaseUrlWinsOverDockerAndEmbedded() {
        assertThat(TestDatabase.choose(Map.of("DATABASE_URL", "postgres://u@h/db"), () -> true))
                .isEqualTo(Source.DATABASE_URL);
    }

    @Test
    void testcontainersWhenDockerAnswersAndNoUrl() {
        assertThat(TestDatabase.choose(Map.of("DATABASE_URL", " "), () -> true)).isEqualTo(Source.TESTCONTAINERS);
    }

    @Test
    void embeddedWhenNothingElseIsThere() {
        assertThat(TestDatabase.choose(Map.of(), () -> false)).isEqualTo(Source.EMBEDDED);
    }

    @Test
    void sharedServerHandsOutSeparateDatabases() throws Exception {
        TestDatabase database = TestDatabase.shared();
        var first = database.freshDatabase();
        var second = database.freshDatabase();
        assertThat(first.jdbcUrl()).isNotEqualTo(second.jdbcUrl());
        try (var connection = DriverManager.getConnection(first.jdbcUrl(), first.username(), first.password())) {
            connection.createStatement().execute("CREATE TABLE only_here (x int)");
        }
        try (var connection = DriverManager.getConnection(second.jdbcUrl(), second.username(), second.password());
                var rows = connection
                        .createStatement()
                        .executeQuery("SELECT count(*) FROM pg_tables WHERE tablename = 'only_here'")) {
            rows.next();
            assertThat(rows.getInt(1)).isZero();
        }
    }

    @Test
    void startsTheChosenSourceForAnExplicitUrl() {
        TestDatabase database = TestDatabase.start(
                Map.of("DATABASE_URL", asPostgresUrl(TestDatabase.shared().settings())), () -> false);
        assertThat(database.source()).isEqualTo(Source.DATABASE_URL);
        assertThat(database.freshDatabase().jdbcUrl()).startsWith("jdbc:postgresql://");
    }

    private static String asPostgresUrl(DatabaseSettings settings) {
        String credentials = settings.password() == null ? "postgres" : "postgres:" + settings.password();
        return settings.jdbcUrl().replace("jdbc:postgresql://", "postgres://" + credentials + "@");
    }
}
