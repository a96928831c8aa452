package dev.agentcenter.api.web;

import dev.agentcenter.model.Page;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;

/**
 * Keyset paging over {@code (created_at, id)}, newest first. The cursor is opaque to clients: base64url of the last
 * row's key, so pages stay stable while new rows arrive.
 *
 * @param limit rows per page, 1..200
 * @param after the key to continue after, or {@code null} for the first page
 */
public record PageQuery(int limit, Key after) {

    public static final int DEFAULT_LIMIT = 50;
    public static final int MAX_LIMIT = 200;

    /** A row's position in the order. */
    public record Key(Instant createdAt, UUID id) {}

    /** Reads the {@code limit} and {@code cursor} query parameters. */
    public static PageQuery of(Integer limit, String cursor) {
        int size = limit == null ? DEFAULT_LIMIT : limit;
        if (size < 1 || size > MAX_LIMIT) {
            throw ApiException.invalidField("limit", "must be between 1 and " + MAX_LIMIT);
        }
        return new PageQuery(size, cursor == null || cursor.isBlank() ? null : decode(cursor));
    }

    /** SQL condition continuing after the cursor; use with {@link #bind}. */
    public String condition(String alias) {
        String prefix = alias == null ? "" : alias + ".";
        return after == null ? "TRUE" : "(" + prefix + "created_at, " + prefix + "id) < (:cursorCreatedAt, :cursorId)";
    }

    /** Binds the cursor parameters (and {@code :pageLimit}, one more than the limit to detect a next page). */
    public org.springframework.jdbc.core.simple.JdbcClient.StatementSpec bind(
            org.springframework.jdbc.core.simple.JdbcClient.StatementSpec statement) {
        statement = statement.param("pageLimit", limit + 1);
        if (after != null) {
            statement = statement
                    .param("cursorCreatedAt", java.sql.Timestamp.from(after.createdAt()))
                    .param("cursorId", after.id());
        }
        return statement;
    }

    /** Cuts the extra row off and makes the next cursor from the last row kept. */
    public <T> Page<T> page(List<T> rows, Function<T, Key> key) {
        if (rows.size() <= limit) {
            return new Page<>(rows, null);
        }
        List<T> kept = rows.subList(0, limit);
        return new Page<>(List.copyOf(kept), encode(key.apply(kept.get(limit - 1))));
    }

    static String encode(Key key) {
        Instant at = key.createdAt();
        String raw = at.getEpochSecond() + "." + at.getNano() + "|" + key.id();
        return Base64.getUrlEncoder().withoutPadding().encodeToString(raw.getBytes(StandardCharsets.UTF_8));
    }

    private static Key decode(String cursor) {
        try {
            String raw = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
            String[] parts = raw.split("\\|", 2);
            String[] time = parts[0].split("\\.", 2);
            return new Key(
                    Instant.ofEpochSecond(Long.parseLong(time[0]), Long.parseLong(time[1])), UUID.fromString(parts[1]));
        } catch (RuntimeException e) {
            throw ApiException.invalidField("cursor", "is not a cursor this server handed out");
        }
    }
}
