package dev.agentcenter.api.web;

import java.util.Map;
import org.springframework.stereotype.Component;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.ObjectMapper;

/** Converts between Java values and {@code jsonb} columns (bound as text and cast in SQL). */
@Component
public class JsonColumns {

    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {};

    private final ObjectMapper json;

    JsonColumns(ObjectMapper json) {
        this.json = json;
    }

    /** JSON text for a {@code CAST(:x AS jsonb)} parameter; {@code null} becomes {@code {}}. */
    public String write(Object value) {
        return value == null ? "{}" : json.writeValueAsString(value);
    }

    /** A JSON object column as a map. */
    public Map<String, Object> map(String column) {
        return column == null ? Map.of() : json.readValue(column, MAP);
    }

    /** A JSON column as a generic value, e.g. a list of records. */
    public <T> T read(String column, TypeReference<T> type) {
        return column == null ? null : json.readValue(column, type);
    }

    /** A JSON column as a typed value. */
    public <T> T read(String column, Class<T> type) {
        return column == null ? null : json.readValue(column, type);
    }
}
