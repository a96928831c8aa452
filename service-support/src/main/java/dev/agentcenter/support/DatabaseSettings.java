package dev.agentcenter.support;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Where a service's Postgres is: a JDBC URL plus credentials.
 *
 * <p>{@code DATABASE_URL} is accepted in both forms people paste: {@code postgres://user:pass@host:5432/db}
 * (what Compose files and hosted Postgres hand out) and {@code jdbc:postgresql://host:5432/db}.
 */
public record DatabaseSettings(String jdbcUrl, String username, String password) {

    public DatabaseSettings {
        Objects.requireNonNull(jdbcUrl, "jdbcUrl");
    }

    /** Parses a {@code DATABASE_URL} value. */
    public static DatabaseSettings parse(String databaseUrl) {
        String value = databaseUrl.strip();
        if (value.startsWith("jdbc:postgresql:")) {
            return new DatabaseSettings(value, null, null);
        }
        if (!value.startsWith("postgres://") && !value.startsWith("postgresql://")) {
            throw new IllegalArgumentException(
                    "DATABASE_URL must start with postgres://, postgresql:// or jdbc:postgresql:");
        }
        URI uri = URI.create(value);
        String username = null;
        String password = null;
        if (uri.getRawUserInfo() != null) {
            String[] parts = uri.getRawUserInfo().split(":", 2);
            username = decode(parts[0]);
            password = parts.length > 1 ? decode(parts[1]) : null;
        }
        if (uri.getHost() == null) {
            throw new IllegalArgumentException("DATABASE_URL has no host");
        }
        int port = uri.getPort() == -1 ? 5432 : uri.getPort();
        String path = uri.getRawPath() == null || uri.getRawPath().isBlank() ? "/postgres" : uri.getRawPath();
        String query = uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery();
        return new DatabaseSettings(
                "jdbc:postgresql://" + uri.getHost() + ":" + port + path + query, username, password);
    }

    private static String decode(String part) {
        return URLDecoder.decode(part, StandardCharsets.UTF_8);
    }

    /** Never prints the password. */
    @Override
    public String toString() {
        return "DatabaseSettings[jdbcUrl=" + jdbcUrl + ", username=" + username + "]";
    }
}
