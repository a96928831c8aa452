package dev.agentcenter.api.github;

import dev.agentcenter.api.credential.Secrets;
import dev.agentcenter.api.repo.RepoConnectionStore;
import dev.agentcenter.api.web.ApiException;
import dev.agentcenter.model.AgentProvider;
import dev.agentcenter.model.ExecutionConfig;
import dev.agentcenter.model.RepoConnection;
import dev.agentcenter.support.SecretBinding;
import jakarta.validation.Valid;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** A repository connection's GitHub webhook settings and its log of received deliveries. */
@RestController
@RequestMapping("/api/repo-connections/{id}/github")
class GitHubSettingsController {

    private final RepoConnectionStore connections;
    private final GitHubSettingsStore settings;
    private final Secrets secrets;

    GitHubSettingsController(RepoConnectionStore connections, GitHubSettingsStore settings, Secrets secrets) {
        this.connections = connections;
        this.settings = settings;
        this.secrets = secrets;
    }

    @GetMapping
    GitHubSettingsView get(@PathVariable UUID id) {
        connection(id);
        return settings.view(id);
    }

    @PutMapping
    @Transactional
    GitHubSettingsView put(@PathVariable UUID id, @Valid @RequestBody GitHubSettingsRequest request) {
        RepoConnection connection = connection(id);
        if (!"github".equals(connection.provider())) {
            throw ApiException.invalidField("provider", "GitHub webhooks need a github connection");
        }
        if (request.taskConfig() != null && !runnable(request.taskConfig())) {
            throw ApiException.invalidField(
                    "taskConfig", "needs an agent (agent.provider) or commands: tasks started from GitHub must run");
        }
        byte[] sealed = request.webhookSecret() == null
                ? null
                : secrets.seal(
                        request.webhookSecret(),
                        SecretBinding.webhookSecret(
                                id,
                                connection.workspaceId(),
                                connection.provider(),
                                connection.owner(),
                                connection.repo()));
        GitHubSettings changed = settings.view(id).settings().with(request);
        settings.save(id, changed, sealed);
        return settings.view(id);
    }

    /** The latest deliveries GitHub sent for this connection (verified ones only), newest first. */
    @GetMapping("/deliveries")
    Map<String, List<Map<String, Object>>> deliveries(
            @PathVariable UUID id, @RequestParam(defaultValue = "50") int limit) {
        connection(id);
        if (limit < 1 || limit > 200) {
            throw ApiException.invalidField("limit", "must be between 1 and 200");
        }
        return Map.of("items", settings.deliveries(id, limit));
    }

    private static boolean runnable(ExecutionConfig config) {
        boolean agent = config.agent() != null
                && config.agent().provider() != null
                && config.agent().provider() != AgentProvider.NONE;
        return agent || (config.commands() != null && !config.commands().isEmpty());
    }

    private RepoConnection connection(UUID id) {
        return connections.find(id).orElseThrow(() -> ApiException.notFound("repo_connection", id));
    }
}
