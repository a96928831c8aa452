package dev.agentcenter.api.webui;

import java.io.IOException;
import java.util.Set;
import org.springframework.core.io.Resource;
import org.springframework.web.servlet.resource.PathResourceResolver;

/**
 * Resolves a static file when it exists, else {@code index.html} for paths that are client-side routes of the
 * single-page UI, so that {@code /tasks/<id>} loads the app, which then routes itself.
 *
 * <p>A path is a client route unless it belongs to the server ({@code /api/**}, {@code /ws}, {@code /health},
 * {@code /v3/**}, {@code /swagger-ui*}, {@code /actuator/**}), is under {@code /assets/}, or names a file (its
 * last segment has a dot): those keep their 404, so an unknown API route stays a problem+json answer and a missing
 * script is not answered with HTML.
 */
class SpaFallbackResolver extends PathResourceResolver {

    static final String INDEX = "index.html";
    private static final Set<String> SERVER_ROOTS = Set.of("api", "ws", "health", "v3", "actuator", "assets");

    @Override
    protected Resource getResource(String resourcePath, Resource location) throws IOException {
        Resource resource = super.getResource(resourcePath, location);
        if (resource != null || !isClientRoute(resourcePath)) {
            return resource;
        }
        return super.getResource(INDEX, location);
    }

    static boolean isClientRoute(String path) {
        String trimmed = path.startsWith("/") ? path.substring(1) : path;
        int slash = trimmed.indexOf('/');
        String first = slash < 0 ? trimmed : trimmed.substring(0, slash);
        if (SERVER_ROOTS.contains(first) || first.startsWith("swagger-ui")) {
            return false;
        }
        String last = trimmed.substring(trimmed.lastIndexOf('/') + 1);
        return !last.contains(".");
    }
}
