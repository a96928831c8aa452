package dev.agentcenter.stack;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

/**
 * Stands in for a service jar in launcher tests: it works out which service it plays from its jar's name, serves
 * {@code /health} on that service's port, and says which launcher variables it received (never their values).
 * With {@code FAKE_FAIL=<label>} it fails at startup instead, like a service that cannot reach its database;
 * {@code GET /crash} makes it die at once with exit code 3.
 */
public final class FakeService {

    private FakeService() {}

    /** The secret as a value, or in the readable, non-empty file {@code NAME_FILE} names. */
    private static boolean has(Map<String, String> env, String name) throws IOException {
        if (!env.getOrDefault(name, "").isBlank()) {
            return true;
        }
        String file = env.get(name + "_FILE");
        return file != null && !java.nio.file.Files.readString(Path.of(file)).isBlank();
    }

    public static void main(String[] args) throws IOException {
        Map<String, String> env = System.getenv();
        String jar =
                Path.of(System.getProperty("java.class.path")).getFileName().toString();
        String prefix = jar.substring(0, jar.indexOf('-')).toUpperCase(java.util.Locale.ROOT);
        String label = prefix.toLowerCase(java.util.Locale.ROOT);
        System.out.println("fake " + label + " starting, parent " + env.get("AGENT_CENTER_PARENT_PID")
                + ", has key "
                + has(env, "CREDENTIAL_ENCRYPTION_KEY")
                + ", has token "
                + has(env, "RUNNER_INTERNAL_TOKEN")
                + ", database " + env.get("DATABASE_URL"));
        if (label.equals(env.get("FAKE_FAIL"))) {
            System.err.println("boom: " + label + " cannot start");
            System.exit(1);
        }
        int port = Integer.parseInt(env.get(prefix + "_PORT"));
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
        server.createContext("/health", exchange -> {
            byte[] body = ("{\"service\":\"" + label + "\",\"status\":\"ok\"}").getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.createContext("/crash", exchange -> {
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
            System.err.println("fake " + label + " crashing on request");
            Runtime.getRuntime().halt(3);
        });
        server.start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> System.out.println("fake " + label + " stopped")));
    }
}
