package dev.agentcenter.api.web;

import jakarta.servlet.http.HttpServletRequest;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/**
 * The one path every check of the front door and the router agree on, or the reason there is none.
 *
 * <p>Tomcat routes by a decoded, normalized path: it drops {@code ;params}, decodes {@code %xx} and resolves
 * {@code .} and {@code ..}; Spring MVC then matches its own reading of the raw URI. A check that looks at a third
 * form — the raw {@code getRequestURI()} — can be walked around ({@code /api;x/credentials},
 * {@code /%61pi/credentials}, {@code //api/…}). So, like Spring Security's {@code StrictHttpFirewall}, a raw path
 * that the readers could disagree on is refused outright: path parameters ({@code ;}), a backslash, an encoded
 * {@code /}, {@code \}, {@code .}, {@code %} or {@code ;}, control characters, empty segments ({@code //}) and dot
 * segments ({@code /./}, {@code /../}). What is left decodes to exactly one path, and that decoded path is what the
 * token check and everything else compare against. No legitimate client needs any refused shape: the API's paths
 * are ASCII words and UUIDs, and the web UI's are too. Queries are not looked at; they are never routed on.
 */
final class CanonicalPath {

    private static final String ATTRIBUTE = CanonicalPath.class.getName();

    private CanonicalPath() {}

    /** A decoded path, or why the raw one is refused (exactly one of the two is set). */
    record Reading(String path, String refusal) {}

    /** The canonical path that {@link FrontDoorFilter} stored, or {@code null} if the request never passed it. */
    static String of(HttpServletRequest request) {
        Object path = request.getAttribute(ATTRIBUTE);
        if (path != null) {
            return path.toString();
        }
        // Filters registered before the front door, or a dispatch it did not see: read the path again.
        return read(request.getRequestURI()).path();
    }

    static void remember(HttpServletRequest request, String path) {
        request.setAttribute(ATTRIBUTE, path);
    }

    static Reading read(String raw) {
        if (raw == null || raw.isEmpty() || raw.charAt(0) != '/') {
            return refused("it must start with '/'");
        }
        ByteArrayOutputStream decoded = new ByteArrayOutputStream(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == ';') {
                return refused("path parameters (';') are not accepted");
            }
            if (c == '\\') {
                return refused("a backslash is not accepted");
            }
            if (c <= 0x20 || c >= 0x7f) {
                return refused("control, space and non-ASCII characters must be percent-encoded");
            }
            if (c != '%') {
                decoded.write(c);
                continue;
            }
            if (i + 2 >= raw.length() || !isHex(raw.charAt(i + 1)) || !isHex(raw.charAt(i + 2))) {
                return refused("'%' must start a percent-encoded byte");
            }
            int b = HexFormat.fromHexDigits(raw, i + 1, i + 3);
            switch (b) {
                case '/' -> {
                    return refused("an encoded '/' (%2F) is not accepted");
                }
                case '\\' -> {
                    return refused("an encoded backslash (%5C) is not accepted");
                }
                case '.' -> {
                    return refused("an encoded '.' (%2E) is not accepted");
                }
                case '%' -> {
                    return refused("an encoded '%' (%25) is not accepted");
                }
                case ';' -> {
                    return refused("an encoded ';' (%3B) is not accepted");
                }
                default -> {
                    if (b < 0x20 || b == 0x7f) {
                        return refused("encoded control characters are not accepted");
                    }
                }
            }
            decoded.write(b);
            i += 2;
        }
        // Only now, with '/' and '.' known to be literal, do segments mean what they look like.
        if (raw.contains("//")) {
            return refused("empty segments ('//') are not accepted");
        }
        if (raw.contains("/./") || raw.contains("/../") || raw.endsWith("/.") || raw.endsWith("/..")) {
            return refused("dot segments ('/./', '/../') are not accepted");
        }
        try {
            String path = StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(decoded.toByteArray()))
                    .toString();
            return new Reading(path, null);
        } catch (CharacterCodingException e) {
            return refused("percent-encoded bytes must be UTF-8");
        }
    }

    private static Reading refused(String reason) {
        return new Reading(null, reason);
    }

    private static boolean isHex(char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }
}
