package dev.agentcenter.support;

import java.nio.file.Path;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Points a service's Spring datasource at its Postgres before Spring starts: {@code DATABASE_URL} when set, else
 * the embedded Postgres under {@code AGENT_CENTER_DATA_DIR} (default {@code .agent-center/data}), started or
 * joined.
 */
public final class ServiceDatabase {

    private static final Logger log = LoggerFactory.getLogger(ServiceDatabase.class);

    private ServiceDatabase() {}

    /** Sets the {@code spring.datasource.*} system properties unless they are already configured. */
    public static void configure(Map<String, String> env) {
        if (System.getProperty("spring.datasource.url") != null || env.containsKey("SPRING_DATASOURCE_URL")) {
            return;
        }
        DatabaseSettings settings;
        String databaseUrl = env.get("DATABASE_URL");
        if (databaseUrl != null && !databaseUrl.isBlank()) {
            settings = DatabaseSettings.parse(databaseUrl);
            String password = env.get("SPRING_DATASOURCE_PASSWORD");
            if (settings.password() == null && password != null) {
                // e.g. the launcher's: the URL without it, the password from SPRING_DATASOURCE_PASSWORD_FILE
                settings = new DatabaseSettings(settings.jdbcUrl(), settings.username(), password);
            }
        } else {
            Path dataDir = Path.of(env.getOrDefault("AGENT_CENTER_DATA_DIR", ".agent-center/data"))
                    .toAbsolutePath();
            log.info("DATABASE_URL is not set: using embedded Postgres in {}", dataDir.resolve("postgres"));
            EmbeddedPostgresHost host = EmbeddedPostgresHost.startOrJoin(
                    dataDir.resolve("postgres"), dataDir.resolveSibling("cache").resolve("postgres"));
            Runtime.getRuntime().addShutdownHook(new Thread(host::close, "embedded-postgres-stop"));
            settings = host.settings();
        }
        System.setProperty("spring.datasource.url", settings.jdbcUrl());
        if (settings.username() != null) {
            System.setProperty("spring.datasource.username", settings.username());
        }
        if (settings.password() != null) {
            System.setProperty("spring.datasource.password", settings.password());
        }
    }
}
