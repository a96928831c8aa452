package dev.agentcenter.runner.execution;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A real git smart-HTTP server for tests: git's own {@code git http-backend} (CGI) behind the JDK's HTTP server,
 * serving the bare repositories under a directory. It demands HTTP Basic authentication with {@code x-access-token}
 * and one token, as GitHub does (401 with {@code WWW-Authenticate} until it gets it), and records every request's
 * {@code Authorization} header.
 */
public final class GitHttpServer implements AutoCloseable {

    private final HttpServer server;
    private final Path root;
    private final String expectedAuthorization;
    /** Each request as "METHOD path?query Authorization=<header or null>". */
    public final List<String> requests = new CopyOnWriteArrayList<>();

    /**
     * @param root the directory of bare repositories ({@code <root>/<owner>/<repo>.git})
     * @param token the token the server accepts as the password of {@code x-access-token}
     */
    public GitHttpServer(Path root, String token) throws IOException {
        this.root = root;
        this.expectedAuthorization = "Basic "
                + Base64.getEncoder().encodeToString(("x-access-token:" + token).getBytes(StandardCharsets.UTF_8));
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    /** {@code http://127.0.0.1:<port>}. */
    public String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** The {@code Authorization} header a client with the right token sends. */
    public String expectedAuthorization() {
        return expectedAuthorization;
    }

    @Override
    public void close() {
        server.stop(0);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String authorization = exchange.getRequestHeaders().getFirst("Authorization");
            String query = exchange.getRequestURI().getRawQuery();
            requests.add(
                    exchange.getRequestMethod() + " " + exchange.getRequestURI().getRawPath()
                            + (query == null ? "" : "?" + query) + " Authorization=" + authorization);
            if (!expectedAuthorization.equals(authorization)) {
                exchange.getResponseHeaders().add("WWW-Authenticate", "Basic realm=\"git\"");
                exchange.sendResponseHeaders(401, -1);
                return;
            }
            cgi(exchange, query);
        }
    }

    private void cgi(HttpExchange exchange, String query) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(httpBackend());
        Map<String, String> env = builder.environment();
        env.clear();
        env.put("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
        env.put("GIT_CONFIG_NOSYSTEM", "1");
        env.put("GIT_CONFIG_GLOBAL", "/dev/null");
        env.put("GIT_PROJECT_ROOT", root.toString());
        env.put("GIT_HTTP_EXPORT_ALL", "1");
        env.put("REMOTE_USER", "x-access-token"); // authenticated: http-backend then allows receive-pack
        env.put("REMOTE_ADDR", "127.0.0.1");
        env.put("REQUEST_METHOD", exchange.getRequestMethod());
        env.put("PATH_INFO", exchange.getRequestURI().getPath());
        env.put("QUERY_STRING", query == null ? "" : query);
        putIfPresent(env, "CONTENT_TYPE", exchange.getRequestHeaders().getFirst("Content-Type"));
        putIfPresent(env, "HTTP_CONTENT_ENCODING", exchange.getRequestHeaders().getFirst("Content-Encoding"));
        putIfPresent(env, "GIT_PROTOCOL", exchange.getRequestHeaders().getFirst("Git-Protocol"));
        Process process = builder.start();
        Thread feeder = Thread.ofVirtual().start(() -> {
            try (InputStream in = exchange.getRequestBody();
                    OutputStream out = process.getOutputStream()) {
                in.transferTo(out);
            } catch (IOException e) {
                // the backend stopped reading
            }
        });
        Thread.ofVirtual().start(() -> {
            try (InputStream err = process.getErrorStream()) {
                err.transferTo(OutputStream.nullOutputStream());
            } catch (IOException e) {
                // gone
            }
        });
        byte[] output = process.getInputStream().readAllBytes();
        try {
            process.waitFor();
            feeder.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        int headerEnd = indexOf(output, "\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        int separator = 4;
        if (headerEnd < 0) {
            headerEnd = indexOf(output, "\n\n".getBytes(StandardCharsets.US_ASCII));
            separator = 2;
        }
        if (headerEnd < 0) {
            exchange.sendResponseHeaders(500, -1);
            return;
        }
        int status = 200;
        for (String header : new String(output, 0, headerEnd, StandardCharsets.ISO_8859_1).split("\r?\n")) {
            int colon = header.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String name = header.substring(0, colon).strip();
            String value = header.substring(colon + 1).strip();
            if (name.equalsIgnoreCase("Status")) {
                status = Integer.parseInt(value.split(" ")[0]);
            } else {
                exchange.getResponseHeaders().add(name, value);
            }
        }
        int bodyStart = headerEnd + separator;
        int length = output.length - bodyStart;
        exchange.sendResponseHeaders(status, length == 0 ? -1 : length);
        if (length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(output, bodyStart, length);
            }
        }
    }

    private static void putIfPresent(Map<String, String> env, String name, String value) {
        if (value != null) {
            env.put(name, value);
        }
    }

    private static String httpBackend() {
        try {
            Process process = new ProcessBuilder("git", "--exec-path").start();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            process.getInputStream().transferTo(out);
            process.waitFor();
            return Path.of(out.toString(StandardCharsets.UTF_8).strip(), "git-http-backend")
                    .toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
