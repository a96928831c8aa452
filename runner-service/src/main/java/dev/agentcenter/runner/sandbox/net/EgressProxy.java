package dev.agentcenter.runner.sandbox.net;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The only way out of a sandboxed run's network namespace: an HTTP proxy on a Unix socket that the sandbox sees
 * (inside, {@code socat} exposes it as {@code 127.0.0.1:<port>}), as Claude Code's sandbox does. It understands
 * {@code CONNECT host:port} (HTTPS, and any TCP protocol a client tunnels) and plain-HTTP requests in absolute form
 * ({@code GET http://host/path}), and asks {@link EgressRules} about every one.
 *
 * <p>It can also forward a socket straight to one fixed address ({@link #forward}): that is how a model endpoint on
 * the runner's host appears inside the sandbox at the same loopback port.
 */
final class EgressProxy implements Closeable {

    private static final System.Logger LOG = System.getLogger(EgressProxy.class.getName());
    private static final int MAX_HEADER_BYTES = 64 * 1024;
    private static final int CONNECT_TIMEOUT_MILLIS = 10_000;

    /** A connection the proxy refused. */
    record Denial(String host, int port, String reason) {}

    private final ServerSocketChannel server;
    private final Set<Closeable> open = ConcurrentHashMap.newKeySet();
    private final Handler handler;
    private volatile boolean closed;

    @FunctionalInterface
    private interface Handler {
        void handle(SocketChannel client, InputStream in, OutputStream out) throws IOException;
    }

    private EgressProxy(Path socket, Handler handler) throws IOException {
        Files.deleteIfExists(socket);
        this.server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        this.handler = handler;
        server.bind(UnixDomainSocketAddress.of(socket));
        // The sandbox runs as an unprivileged user; the directory holding the socket is what limits who sees it.
        Files.setPosixFilePermissions(socket, java.nio.file.attribute.PosixFilePermissions.fromString("rw-rw-rw-"));
        Thread.ofVirtual().name("egress-" + socket.getFileName()).start(this::accept);
    }

    /**
     * An HTTP proxy on {@code socket} that lets through what {@code rules} allow (asked for each connection: they may
     * change) and reports what they refuse.
     */
    static EgressProxy proxy(Path socket, java.util.function.Supplier<EgressRules> rules, Consumer<Denial> denied)
            throws IOException {
        ProxyExchange exchange = new ProxyExchange(rules, denied);
        return new EgressProxy(socket, exchange::serve);
    }

    /** Relays every connection on {@code socket} to {@code target} (the first address that answers). */
    static EgressProxy forward(Path socket, List<InetSocketAddress> targets) throws IOException {
        return new EgressProxy(socket, (client, in, out) -> {
            Socket upstream = connect(targets);
            relay(client, in, out, upstream, null);
        });
    }

    private void accept() {
        while (!closed) {
            SocketChannel client;
            try {
                client = server.accept();
            } catch (IOException e) {
                if (!closed) {
                    LOG.log(System.Logger.Level.WARNING, "Egress proxy stopped accepting: " + e.getMessage());
                }
                return;
            }
            open.add(client);
            Thread.ofVirtual().start(() -> {
                try (client) {
                    handler.handle(
                            client,
                            new BufferedInputStream(Channels.newInputStream(client)),
                            Channels.newOutputStream(client));
                } catch (IOException e) {
                    // The run's client or the far end hung up: nothing to report.
                } finally {
                    open.remove(client);
                }
            });
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException e) {
            // closing anyway
        }
        for (Closeable connection : open) {
            try {
                connection.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
    }

    static Socket connect(List<InetSocketAddress> targets) throws IOException {
        IOException last = null;
        for (InetSocketAddress target : targets) {
            Socket socket = new Socket();
            try {
                socket.connect(target, CONNECT_TIMEOUT_MILLIS);
                return socket;
            } catch (IOException e) {
                socket.close();
                last = e;
            }
        }
        throw last != null ? last : new IOException("no address to connect to");
    }

    /**
     * Copies both ways until either side is done. {@code first} is sent upstream before the client's bytes (a
     * rewritten request head).
     */
    static void relay(SocketChannel client, InputStream clientIn, OutputStream clientOut, Socket upstream, byte[] first)
            throws IOException {
        try (upstream) {
            OutputStream upstreamOut = upstream.getOutputStream();
            if (first != null) {
                upstreamOut.write(first);
                upstreamOut.flush();
            }
            Thread toUpstream = Thread.ofVirtual().start(() -> {
                try {
                    clientIn.transferTo(upstreamOut);
                    upstream.shutdownOutput();
                } catch (IOException e) {
                    // one side closed: the other direction ends the exchange
                }
            });
            try {
                upstream.getInputStream().transferTo(clientOut);
            } finally {
                client.close();
                upstream.close();
                toUpstream.interrupt();
            }
        }
    }

    /** One client connection to the proxy: reads the request head, decides, then tunnels or forwards. */
    private record ProxyExchange(java.util.function.Supplier<EgressRules> rules, Consumer<Denial> denied) {

        void serve(SocketChannel client, InputStream in, OutputStream out) throws IOException {
            List<String> head = readHead(in);
            if (head == null || head.isEmpty()) {
                return;
            }
            String[] requestLine = head.get(0).split(" ");
            if (requestLine.length != 3 || !requestLine[2].startsWith("HTTP/")) {
                respond(out, 400, "Bad Request", "not an HTTP proxy request");
                return;
            }
            String method = requestLine[0];
            String target = requestLine[1];
            if (method.equals("CONNECT")) {
                Endpoint endpoint;
                try {
                    endpoint = Endpoint.parse(target);
                } catch (IllegalArgumentException e) {
                    respond(out, 400, "Bad Request", "CONNECT needs host:port");
                    return;
                }
                Socket upstream = open(endpoint, out);
                if (upstream != null) {
                    out.write("HTTP/1.1 200 Connection Established\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                    relay(client, in, out, upstream, null);
                }
                return;
            }
            URI uri;
            try {
                uri = URI.create(target);
            } catch (IllegalArgumentException e) {
                uri = null;
            }
            if (uri == null || !"http".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null) {
                respond(out, 400, "Bad Request", "only http:// URLs and CONNECT go through this proxy");
                return;
            }
            Socket upstream = open(Endpoint.of(uri), out);
            if (upstream != null) {
                relay(client, in, out, upstream, originRequest(method, uri, requestLine[2], head));
            }
        }

        /** Connects as the rules allow, or answers the client with why not and returns null. */
        private Socket open(Endpoint endpoint, OutputStream out) throws IOException {
            EgressRules.Decision decision = rules.get().decide(endpoint.host(), endpoint.port());
            if (decision instanceof EgressRules.Deny deny) {
                denied.accept(new Denial(endpoint.host(), endpoint.port(), deny.reason()));
                if (deny.unresolvable()) {
                    respond(out, 502, "Bad Gateway", deny.reason());
                } else {
                    respond(out, 403, "Forbidden", deny.reason());
                }
                return null;
            }
            try {
                return connect(((EgressRules.Allow) decision).targets());
            } catch (IOException e) {
                respond(out, 502, "Bad Gateway", endpoint + " could not be reached: " + e.getMessage());
                return null;
            }
        }

        /** The request in origin form, with hop-by-hop proxy headers removed and the connection closed after it. */
        private static byte[] originRequest(String method, URI uri, String version, List<String> head) {
            StringBuilder request = new StringBuilder();
            String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
            if (uri.getRawQuery() != null) {
                path += "?" + uri.getRawQuery();
            }
            request.append(method)
                    .append(' ')
                    .append(path)
                    .append(' ')
                    .append(version)
                    .append("\r\n");
            for (String header : head.subList(1, head.size())) {
                String name = header.substring(0, Math.max(0, header.indexOf(':')))
                        .strip()
                        .toLowerCase(Locale.ROOT);
                if (!name.startsWith("proxy-") && !name.equals("connection") && !name.equals("keep-alive")) {
                    request.append(header).append("\r\n");
                }
            }
            request.append("Connection: close\r\n\r\n");
            return request.toString().getBytes(StandardCharsets.ISO_8859_1);
        }

        /** The request line and header lines, or null if the client closed first; bounded to 64 KiB. */
        private static List<String> readHead(InputStream in) throws IOException {
            List<String> lines = new ArrayList<>();
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            int total = 0;
            int b;
            while ((b = in.read()) != -1) {
                if (++total > MAX_HEADER_BYTES) {
                    throw new IOException("request head too long");
                }
                if (b == '\n') {
                    String text = line.toString(StandardCharsets.ISO_8859_1);
                    if (text.endsWith("\r")) {
                        text = text.substring(0, text.length() - 1);
                    }
                    if (text.isEmpty()) {
                        return lines;
                    }
                    lines.add(text);
                    line.reset();
                } else {
                    line.write(b);
                }
            }
            return null;
        }

        private static void respond(OutputStream out, int status, String phrase, String reason) throws IOException {
            byte[] body = ("Agent Center sandbox: " + reason + "\n").getBytes(StandardCharsets.UTF_8);
            String head = "HTTP/1.1 " + status + " " + phrase + "\r\n"
                    + "Content-Type: text/plain; charset=utf-8\r\n"
                    + "X-Agent-Center-Sandbox: denied\r\n"
                    + "Content-Length: " + body.length + "\r\n"
                    + "Connection: close\r\n\r\n";
            out.write(head.getBytes(StandardCharsets.ISO_8859_1));
            out.write(body);
            out.flush();
        }
    }
}
