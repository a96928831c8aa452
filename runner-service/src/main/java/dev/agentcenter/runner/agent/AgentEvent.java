package dev.agentcenter.runner.agent;

import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * One {@code agent.*} event made from an agent's output, before redaction.
 *
 * @param type e.g. {@code agent.message.delta}
 * @param level {@code info}, {@code warn} or {@code error}
 * @param message the event's one-line text (for a message or a delta, the text itself)
 * @param payload the event's payload; always has {@code provider}
 */
record AgentEvent(String type, String level, String message, ObjectNode payload) {

    /** Longest assistant message or delta kept, in characters. */
    static final int MAX_TEXT = 256 * 1024;
    /** Longest tool output kept (its start and its end), in characters. */
    static final int MAX_OUTPUT = 16 * 1024;
    /** Longest string inside a tool call's input kept, in characters (a file written whole, for instance). */
    static final int MAX_INPUT_STRING = 4 * 1024;

    static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    static AgentEvent info(String type, String message, ObjectNode payload) {
        return new AgentEvent(type, "info", message, payload);
    }

    /** A payload holding the provider and these fields; {@code null} values are left out. */
    static ObjectNode payload(String provider, Object... namesAndValues) {
        ObjectNode node = NODES.objectNode();
        node.put("provider", provider);
        for (int i = 0; i < namesAndValues.length; i += 2) {
            String name = (String) namesAndValues[i];
            Object value = namesAndValues[i + 1];
            switch (value) {
                case null -> {}
                case String text -> node.put(name, text);
                case Integer number -> node.put(name, number);
                case Long number -> node.put(name, number);
                case Double number -> node.put(name, number);
                case Boolean flag -> node.put(name, flag);
                case JsonNode json -> node.set(name, json);
                default -> throw new IllegalArgumentException("Unsupported payload value for " + name + ": " + value);
            }
        }
        return node;
    }

    /**
     * At most {@code max} characters: a longer text keeps its start and its end (where errors usually are), with a
     * note of how much was left out in between.
     */
    static String clip(String text, int max) {
        if (text == null || text.length() <= max) {
            return text;
        }
        int head = max * 3 / 4;
        int tail = max - head;
        return text.substring(0, head) + "\n… [" + (text.length() - head - tail) + " characters left out] …\n"
                + text.substring(text.length() - tail);
    }

    /** A copy of {@code node} whose strings are clipped to {@code max} characters each. */
    static JsonNode clipStrings(JsonNode node, int max) {
        if (node == null) {
            return null;
        }
        if (node.isString()) {
            String text = node.asString();
            return text.length() <= max ? node : NODES.stringNode(clip(text, max));
        }
        if (node.isObject()) {
            ObjectNode copy = NODES.objectNode();
            for (Map.Entry<String, JsonNode> field : node.properties()) {
                copy.set(field.getKey(), clipStrings(field.getValue(), max));
            }
            return copy;
        }
        if (node.isArray()) {
            ArrayNode copy = NODES.arrayNode();
            for (JsonNode element : node.values()) {
                copy.add(clipStrings(element, max));
            }
            return copy;
        }
        return node;
    }

    /** The string field, or {@code null} when it is absent or not a string. */
    static String text(JsonNode node, String field) {
        JsonNode value = node == null ? null : node.get(field);
        return value != null && value.isString() ? value.asString() : null;
    }

    /** The integer field, or {@code null} when it is absent or not a number. */
    static Long number(JsonNode node, String field) {
        JsonNode value = node == null ? null : node.get(field);
        return value != null && value.isNumber() ? value.asLong() : null;
    }

    /** The first line of a text, at most 200 characters: a title. */
    static String firstLine(String text) {
        if (text == null) {
            return "";
        }
        String line = text.strip();
        int newline = line.indexOf('\n');
        if (newline >= 0) {
            line = line.substring(0, newline) + " …";
        }
        return line.length() <= 200 ? line : line.substring(0, 199) + "…";
    }
}
