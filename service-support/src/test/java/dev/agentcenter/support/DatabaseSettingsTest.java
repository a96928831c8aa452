package dev.agentcenter.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class DatabaseSettingsTest {

    @Test
    void parsesComposeStyleUrlWithEncodedPassword() {
        DatabaseSettings settings =
                DatabaseSettings.parse("postgres://agent:p%40ss@db:5433/agent_center?sslmode=disable");

        assertThat(settings.jdbcUrl()).isEqualTo("jdbc:postgresql://db:5433/agent_center?sslmode=disable");
        assertThat(settings.username()).isEqualTo("agent");
        assertThat(settings.password()).isEqualTo("p@ss");
        assertThat(settings.toString()).doesNotContain("p@ss");
    }

    @Test
    void defaultsPortAndKeepsJdbcUrlsAsTheyAre() {
        assertThat(DatabaseSettings.parse("postgresql://h/db").jdbcUrl()).isEqualTo("jdbc:postgresql://h:5432/db");
        assertThat(DatabaseSettings.parse("jdbc:postgresql://h:1/x?user=u").jdbcUrl())
                .isEqualTo("jdbc:postgresql://h:1/x?user=u");
    }

    @Test
    void rejectsOtherSchemes() {
        assertThatThrownBy(() -> DatabaseSettings.parse("mysql://h/db"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("DATABASE_URL");
    }
}
