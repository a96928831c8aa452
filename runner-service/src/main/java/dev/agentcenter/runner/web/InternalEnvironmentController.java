package dev.agentcenter.runner.web;

import dev.agentcenter.runner.execution.LoginEnvironment;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The resolved login environment (see {@link LoginEnvironment}): {@code GET /internal/environment} shows it, {@code
 * POST /internal/environment/refresh} resolves it again now (after installing a tool into a directory the profile
 * adds to {@code PATH}, or changing a file the profile sources, which the runner does not watch). Guarded by the
 * internal token like every {@code /internal} route. Only variable names and {@code PATH} are shown: values may be
 * secrets the profile exports.
 */
@RestController
class InternalEnvironmentController {

    private static final String PATH_VARIABLE = "PATH";

    private final LoginEnvironment environment;

    InternalEnvironmentController(LoginEnvironment environment) {
        this.environment = environment;
    }

    @GetMapping("/internal/environment")
    Map<String, Object> show() {
        return describe(environment.current());
    }

    @PostMapping("/internal/environment/refresh")
    Map<String, Object> refresh() {
        return describe(environment.refresh());
    }

    private Map<String, Object> describe(LoginEnvironment.Snapshot snapshot) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("source", snapshot.source().name().toLowerCase(Locale.ROOT));
        body.put("loginShell", environment.loginShellDescription());
        body.put("appliesToCommands", environment.appliesToCommands());
        body.put("reason", snapshot.reason());
        body.put("resolvedAt", snapshot.resolvedAt());
        body.put("durationMs", snapshot.took().toMillis());
        body.put("path", snapshot.variables().get(PATH_VARIABLE));
        body.put("variables", List.copyOf(snapshot.variables().keySet()));
        return body;
    }
}
