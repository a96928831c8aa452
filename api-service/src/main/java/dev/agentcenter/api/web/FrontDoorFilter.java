package dev.agentcenter.api.web;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * The checks every request passes before anything else looks at it (only {@link RequestIds} runs earlier), in
 * this order:
 *
 * <ol>
 *   <li><b>Host</b> — a loopback name, {@code API_HOST}, or one of {@code API_ALLOWED_HOSTS}; else 421
 *       {@code host_not_allowed}. This is what stops DNS rebinding: a page that points its own name at 127.0.0.1
 *       becomes same-origin with the API in the browser's eyes, and its requests differ from the web UI's only in
 *       {@code Host: evil.example:3000}. It applies to every route, {@code /health} and the web UI included.
 *   <li><b>Path</b> — an ambiguous raw path is refused with 400 {@code ambiguous_path} (see {@link CanonicalPath});
 *       the decoded path is stored for the token check and anything after it.
 *   <li><b>Origin</b> — on {@code /ws} and on every request that can change something (any method but GET, HEAD,
 *       OPTIONS and TRACE):
 *       a browser's {@code Origin} must be the request's own (same host and port as {@code Host}) or listed in
 *       {@code API_ALLOWED_ORIGINS}; {@code Origin: null} (sandboxed frames, cross-origin redirects) never is. A
 *       request without {@code Origin} is a program (curl, the SDK) unless {@code Sec-Fetch-Site} says a page on
 *       another site sent it. Else 403 {@code origin_not_allowed}.
 *   <li><b>Content type</b> — a write that carries a body must say {@code application/json} (or
 *       {@code +json}); one without a body must carry no other type. Else 415 {@code unsupported_media_type}.
 * </ol>
 *
 * <p>Why the Origin and content-type rules together refuse every cross-site write a browser can make, token or
 * not:
 *
 * <ul>
 *   <li>An HTML form can only send {@code application/x-www-form-urlencoded}, {@code multipart/form-data} or
 *       {@code text/plain}, always with that {@code Content-Type}, even with no fields: refused by type, whether
 *       or not the browser (or an extension, or a proxy) sent {@code Origin}.
 *   <li>{@code fetch} and {@code XMLHttpRequest} from another origin always send {@code Origin} on a POST, PUT,
 *       PATCH or DELETE — also in {@code no-cors} mode, which is the only way to skip the preflight, and also
 *       with no body and no {@code Content-Type} (the one shape that would pass the type rule): refused by origin.
 *       A JSON body needs a preflight, which this API never answers with CORS headers, and is refused by origin
 *       anyway.
 *   <li>{@code navigator.sendBeacon} is a no-cors fetch: it carries {@code Origin} too.
 *   <li>So the web UI's own body-less POSTs, which send neither a body nor a {@code Content-Type}
 *       ({@code web-ui/src/api/client.ts}), and curl's {@code -X POST} still pass: a page elsewhere cannot make a
 *       request of that shape without an {@code Origin} that gives it away.
 * </ul>
 *
 * <p>A WebSocket is not bound by the same-origin policy at all, so {@code /ws} checks {@code Origin} on the
 * handshake. Reads (GET) from another site are not refused here: the browser does not let that site see the
 * answer (the API sends no CORS headers), and a rebound page is refused by {@code Host}.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 5)
class FrontDoorFilter extends OncePerRequestFilter {

    /** Names that always reach the machine itself: a page elsewhere cannot make a browser send them. */
    private static final List<String> LOOPBACK = List.of("localhost", "127.0.0.1", "[::1]");

    private static final Set<String> WILDCARD_ADDRESSES = Set.of("", "0.0.0.0", "::", "[::]", "::0", "[::0]");
    /** Methods that change nothing; every other one (POST, PUT, PATCH, DELETE, anything made up) may. */
    private static final Set<String> SAFE_METHODS = Set.of("GET", "HEAD", "OPTIONS", "TRACE");

    private static final int MAX_ECHOED = 100;

    private final List<Authority> allowedHosts;
    private final List<Authority> allowedOrigins;
    private final Problems problems;

    FrontDoorFilter(ApiProperties properties, Problems problems) {
        this.problems = problems;
        List<Authority> hosts = new ArrayList<>();
        LOOPBACK.forEach(name -> hosts.add(Authority.parse(name).orElseThrow()));
        listenName(properties.listenHost()).ifPresent(hosts::add);
        properties
                .allowedHosts()
                .forEach(name -> hosts.add(Authority.parse(name).orElseThrow()));
        this.allowedHosts = List.copyOf(hosts);
        this.allowedOrigins = properties.allowedOrigins().stream()
                .map(origin -> Authority.ofOrigin(origin).orElseThrow())
                .toList();
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        // Tomcat refuses a second Host header itself; the header, not getServerName(), is what the browser sent.
        String hostHeader = request.getHeader(HttpHeaders.HOST);
        Optional<Authority> host = Authority.parse(hostHeader).filter(this::hostAllowed);
        if (host.isEmpty()) {
            problems.write(
                    response,
                    request,
                    HttpStatus.MISDIRECTED_REQUEST,
                    "host_not_allowed",
                    "This server does not answer to the name '" + echo(hostHeader) + "'. If that is its name, add it"
                            + " to API_ALLOWED_HOSTS.");
            return;
        }

        CanonicalPath.Reading path = CanonicalPath.read(request.getRequestURI());
        if (path.path() == null) {
            problems.write(
                    response,
                    request,
                    HttpStatus.BAD_REQUEST,
                    "ambiguous_path",
                    "The path is ambiguous: " + path.refusal() + ". Send it without ';' parameters, encoded '/', '\\',"
                            + " '.', '%' or ';', empty segments or dot segments.");
            return;
        }
        CanonicalPath.remember(request, path.path());

        boolean webSocket = path.path().equals("/ws") || path.path().startsWith("/ws/");
        boolean stateChanging = !SAFE_METHODS.contains(request.getMethod());
        if (webSocket || stateChanging) {
            String refusal = originRefusal(request, host.get());
            if (refusal != null) {
                problems.write(response, request, HttpStatus.FORBIDDEN, "origin_not_allowed", refusal);
                return;
            }
        }
        if (stateChanging && !acceptableContent(request)) {
            problems.write(
                    response,
                    request,
                    HttpStatus.UNSUPPORTED_MEDIA_TYPE,
                    "unsupported_media_type",
                    "Send the body as application/json; a request without a body must not name another content"
                            + " type (form posts are not accepted)");
            return;
        }
        chain.doFilter(request, response);
    }

    private boolean hostAllowed(Authority host) {
        return allowedHosts.stream().anyMatch(allowed -> allowed.covers(host));
    }

    /** Why this request may not change anything, or {@code null} when it may. */
    private String originRefusal(HttpServletRequest request, Authority host) {
        String origin = request.getHeader(HttpHeaders.ORIGIN);
        String site = request.getHeader("Sec-Fetch-Site");
        if (origin == null) {
            // Browsers send Origin on every cross-origin write and WebSocket; Fetch Metadata is a second witness
            // for a browser (or an extension) that leaves it out.
            return "cross-site".equals(site) || "same-site".equals(site)
                    ? "A page on another site cannot change anything here (Sec-Fetch-Site: " + site + ")"
                    : null;
        }
        Optional<Authority> from = Authority.ofOrigin(origin);
        if (from.isPresent() && allowedOrigins.stream().anyMatch(allowed -> allowed.equals(from.get()))) {
            return null;
        }
        // Same origin as the request: Host is already known to be allowed. A cross-site Fetch Metadata with a
        // same-origin Origin is a contradiction no browser produces; believe the more cautious of the two.
        if (from.isPresent() && host.sameOriginAs(from.get()) && !"cross-site".equals(site)) {
            return null;
        }
        return "A page from '" + echo(origin) + "' cannot change anything here or open /ws; only the web UI's own"
                + " origin can. If that page is yours (a dev server, a proxy), add its origin to API_ALLOWED_ORIGINS.";
    }

    private static boolean acceptableContent(HttpServletRequest request) {
        String type = request.getContentType();
        if (type == null) {
            return request.getContentLengthLong() <= 0 && request.getHeader(HttpHeaders.TRANSFER_ENCODING) == null;
        }
        try {
            MediaType media = MediaType.parseMediaType(type);
            // exact, not isCompatibleWith: a wildcard such as application/* is no promise of JSON
            return "application".equals(media.getType())
                    && ("json".equals(media.getSubtype()) || media.getSubtype().endsWith("+json"));
        } catch (InvalidMediaTypeException e) {
            return false;
        }
    }

    /** The address the API listens on, as a name a client may use, unless it is a wildcard. */
    private static Optional<Authority> listenName(String listenHost) {
        String value = listenHost == null ? "" : listenHost.strip();
        if (WILDCARD_ADDRESSES.contains(value)) {
            return Optional.empty();
        }
        boolean bareIpv6 = value.indexOf(':') >= 0 && !value.startsWith("[");
        return Authority.parse(bareIpv6 ? "[" + value + "]" : value)
                .map(authority -> new Authority(authority.host(), Authority.ANY_PORT));
    }

    private static String echo(String value) {
        if (value == null) {
            return "";
        }
        String printable = value.replaceAll("[^\\x20-\\x7e]", "?");
        return printable.length() > MAX_ECHOED ? printable.substring(0, MAX_ECHOED) + "…" : printable;
    }
}
