package dev.agentcenter.worker.health;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentcenter.support.DatabaseSettings;
import dev.agentcenter.testing.TestDatabase;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The real worker on a random port against a real Postgres. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class WorkerHealthTest {

    private static final DatabaseSettings DATABASE = TestDatabase.shared().freshDatabase();

    @LocalServerPort
    int port;

    @Autowired
    JdbcClient db;

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        registry.add("spring.datasource.url", DATABASE::jdbcUrl);
        registry.add("spring.datasource.username", DATABASE::username);
        registry.add("spring.datasource.password", () -> DATABASE.password() == null ? "" : DATABASE.password());
        registry.add("server.address", () -> "127.0.0.1");
    }

    @Test
    void healthAnswersWithTheDatabaseUp() throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode body = JsonMapper.builder().build().readTree(response.body());
        assertThat(body.get("service").asString()).isEqualTo("worker");
        assertThat(body.get("status").asString()).isEqualTo("ok");
        assertThat(body.get("database").asString()).isEqualTo("up");
    }

    @Test
    void migratesTheSchemaOnStart() {
        assertThat(db.sql("SELECT to_regclass('public.runs') IS NOT NULL")
                        .query(Boolean.class)
                        .single())
                .isTrue();
    }
}
