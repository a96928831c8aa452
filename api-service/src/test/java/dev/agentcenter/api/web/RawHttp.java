package dev.agentcenter.api.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * HTTP/1.1 over a plain socket, byte for byte as written: java.net.http normalizes paths ({@code //}, {@code ..}),
 * refuses some characters and will not let a caller set {@code Host}, but an attacker's client does all of that.
 * A header given as {@code null} is left out, so a request can also go without {@code Host}.
 */
final class RawHttp {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private RawHttp() {}

    /** A response: status, headers (names in lower case) and the body as text. */
    record Response(int status, Map<String, String> headers, String body) {

        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        JsonNode json() {
            return body.isEmpty() ? null : JSON.readTree(body);
        }

        /** Asserts an error answered as problem+json with this status and code. */
        Response expectProblem(int expected, String code) {
            assertThat(status).as("status, body: %s", body).isEqualTo(expected);
            assertThat(header("Content-Type"))
                    .as("content type, body: %s", body)
                    .startsWith("application/problem+json");
            assertThat(json().get("code").asString()).as("code, body: %s", body).isEqualTo(code);
            assertThat(json().get("requestId").asString()).isEqualTo(header("X-Request-Id"));
            return this;
        }

        Response expect(int expected) {
            assertThat(status).as("status, body: %s", body).isEqualTo(expected);
            return this;
        }
    }

    /** Headers in the order given; the default {@code Host} is the loopback address the server listens on. */
    static Map<String, String> headers(int port, String... namesAndValues) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Host", "127.0.0.1:" + port);
        for (int i = 0; i < namesAndValues.length; i += 2) {
            headers.put(namesAndValues[i], namesAndValues[i + 1]);
        }
        return headers;
    }

    static Response get(int port, String target, String... headers) {
        return send(port, "GET", target, headers(port, headers), null);
    }

    /** A WebSocket opening handshake, as a browser sends it, plus {@code extra} headers (which may replace Host). */
    static Response webSocketHandshake(int port, String target, String... extra) {
        Map<String, String> headers = headers(
                port,
                "Upgrade",
                "websocket",
                "Connection",
                "Upgrade",
                "Sec-WebSocket-Key",
                "dGhlIHNhbXBsZSBub25jZQ==",
                "Sec-WebSocket-Version",
                "13");
        for (int i = 0; i < extra.length; i += 2) {
            headers.put(extra[i], extra[i + 1]);
        }
        return send(port, "GET", target, headers, null);
    }

    /** Sends the request line {@code method target HTTP/1.1}, the headers and the body, and reads one response. */
    static Response send(int port, String method, String target, Map<String, String> headers, String body) {
        byte[] content = body == null ? null : body.getBytes(StandardCharsets.UTF_8);
        StringBuilder head =
                new StringBuilder(method).append(' ').append(target).append(" HTTP/1.1\r\n");
        headers.forEach((name, value) -> {
            if (value != null) {
                head.append(name).append(": ").append(value).append("\r\n");
            }
        });
        if (content != null && !headers.containsKey("Content-Length")) {
            head.append("Content-Length: ").append(content.length).append("\r\n");
        }
        if (!headers.containsKey("Connection")) {
            head.append("Connection: close\r\n");
        }
        head.append("\r\n");
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
            if (content != null) {
                out.write(content);
            }
            out.flush();
            return read(socket.getInputStream());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Response read(InputStream in) throws IOException {
        String statusLine = line(in);
        String[] parts = statusLine.split(" ", 3);
        int status = Integer.parseInt(parts[1]);
        Map<String, String> headers = new LinkedHashMap<>();
        for (String line = line(in); !line.isEmpty(); line = line(in)) {
            int colon = line.indexOf(':');
            headers.put(
                    line.substring(0, colon).strip().toLowerCase(Locale.ROOT),
                    line.substring(colon + 1).strip());
        }
        // A switched protocol (101) has no HTTP body, the socket now speaks WebSocket; an event stream that was
        // let through would never end, and its head is all a test needs.
        String type = headers.getOrDefault("content-type", "");
        if (status == 101 || status == 204 || status == 304 || type.startsWith("text/event-stream")) {
            return new Response(status, headers, "");
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            for (int size = Integer.parseInt(line(in).split(";")[0].strip(), 16);
                    size > 0;
                    size = Integer.parseInt(line(in).split(";")[0].strip(), 16)) {
                body.write(in.readNBytes(size));
                line(in);
            }
        } else if (headers.containsKey("content-length")) {
            body.write(in.readNBytes(Integer.parseInt(headers.get("content-length"))));
        } else {
            body.write(in.readAllBytes());
        }
        return new Response(status, headers, body.toString(StandardCharsets.UTF_8));
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                throw new IOException(
                        "connection closed mid-line after: " + line.toString(StandardCharsets.ISO_8859_1));
            }
            if (b != '\r') {
                line.write(b);
            }
        }
        return line.toString(StandardCharsets.ISO_8859_1);
    }
}
