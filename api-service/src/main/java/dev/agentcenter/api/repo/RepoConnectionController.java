package dev.agentcenter.api.repo;

import dev.agentcenter.api.credential.Secrets;
import dev.agentcenter.api.project.ProjectStore;
import dev.agentcenter.api.web.ApiException;
import dev.agentcenter.api.web.PageQuery;
import dev.agentcenter.api.workspace.WorkspaceReferences;
import dev.agentcenter.api.workspace.WorkspaceStore;
import dev.agentcenter.model.CreateRepoConnectionRequest;
import dev.agentcenter.model.Page;
import dev.agentcenter.model.RepoConnection;
import dev.agentcenter.model.RepoConnectionTestResult;
import dev.agentcenter.model.UpdateRepoConnectionRequest;
import dev.agentcenter.support.SecretBinding;
import jakarta.validation.Valid;
import java.net.URI;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

@RestController
@RequestMapping("/api/repo-connections")
class RepoConnectionController {

    /**
     * Metadata is returned as it is, so a secret put there would leak; the original system kept tokens in exactly
     * these keys. They are refused, pointing at the encrypted {@code token} field.
     */
    private static final Set<String> SECRET_KEYS =
            Set.of("token", "accesstoken", "pat", "personalaccesstoken", "password", "secret", "apikey");

    private static final String DEFAULT_PROVIDER = "github";

    private final RepoConnectionStore connections;
    private final WorkspaceStore workspaces;
    private final ProjectStore projects;
    private final WorkspaceReferences references;
    private final Secrets secrets;
    private final GitHubClient github;

    RepoConnectionController(
            RepoConnectionStore connections,
            WorkspaceStore workspaces,
            ProjectStore projects,
            WorkspaceReferences references,
            Secrets secrets,
            GitHubClient github) {
        this.connections = connections;
        this.workspaces = workspaces;
        this.projects = projects;
        this.references = references;
        this.secrets = secrets;
        this.github = github;
    }

    @GetMapping
    Page<RepoConnection> list(
            @RequestParam(required = false) UUID workspaceId,
            @RequestParam(required = false) UUID projectId,
            @RequestParam(required = false) Integer limit,
            @RequestParam(required = false) String cursor) {
        PageQuery page = PageQuery.of(limit, cursor);
        if (workspaceId != null && !workspaces.exists(workspaceId)) {
            throw ApiException.notFound("workspace", workspaceId);
        }
        if (projectId != null && projects.workspaceOf(projectId).isEmpty()) {
            throw ApiException.notFound("project", projectId);
        }
        return connections.list(workspaceId, projectId, page);
    }

    @PostMapping
    ResponseEntity<RepoConnection> create(@Valid @RequestBody CreateRepoConnectionRequest request) {
        checkMetadata(request.metadata());
        if (request.token() != null && request.token().isBlank()) {
            throw ApiException.invalidField("token", "must not be blank; leave it out for a public repository");
        }
        references.check(request.workspaceId(), request.projectId(), null, null);
        // The id is chosen here so that the token is sealed for its own row, in the one INSERT that stores both.
        UUID id = UUID.randomUUID();
        String provider = request.provider() == null ? DEFAULT_PROVIDER : request.provider();
        byte[] sealedToken = request.token() == null
                ? null
                : secrets.seal(
                        request.token().strip(),
                        SecretBinding.repositoryToken(
                                id, request.workspaceId(), provider, request.owner(), request.repo()));
        RepoConnection created = connections.create(id, provider, request, sealedToken);
        return ResponseEntity.created(URI.create("/api/repo-connections/" + created.id()))
                .body(created);
    }

    @GetMapping("/{id}")
    RepoConnection get(@PathVariable UUID id) {
        return connections.find(id).orElseThrow(() -> ApiException.notFound("repo_connection", id));
    }

    /** Changes the connection's settings ({@code maxConcurrentRuns}); the repository and token stay as created. */
    @PatchMapping("/{id}")
    RepoConnection update(@PathVariable UUID id, @Valid @RequestBody UpdateRepoConnectionRequest request) {
        if (request.maxConcurrentRuns() == null) {
            throw ApiException.invalidField("body", "must change at least one field");
        }
        return connections.update(id, request).orElseThrow(() -> ApiException.notFound("repo_connection", id));
    }

    /** Removes the connection; tasks and automations that used it lose it (their own rows stay). */
    @DeleteMapping("/{id}")
    ResponseEntity<Void> delete(@PathVariable UUID id) {
        if (!connections.delete(id)) {
            throw ApiException.notFound("repo_connection", id);
        }
        return ResponseEntity.noContent().build();
    }

    /**
     * Checks that the repository can be read through the GitHub API with the connection's token (or the server's).
     * Always 200 with the outcome, however GitHub answered; 404 only for an unknown connection.
     */
    @PostMapping("/{id}/test")
    RepoConnectionTestResult test(@PathVariable UUID id) {
        RepoConnectionStore.Target target =
                connections.target(id).orElseThrow(() -> ApiException.notFound("repo_connection", id));
        String token = target.sealedToken() == null ? null : secrets.open(target.sealedToken(), target.tokenBinding());
        return github.checkRepository(target.owner(), target.repo(), token);
    }

    private static void checkMetadata(Map<String, Object> metadata) {
        if (metadata == null) {
            return;
        }
        for (String key : metadata.keySet()) {
            String normalized = key.replace("_", "").replace("-", "").toLowerCase(Locale.ROOT);
            if (SECRET_KEYS.contains(normalized)) {
                throw ApiException.invalidField(
                        "metadata." + key,
                        "looks like a secret; metadata is shown to every client, pass a token in the token field,"
                                + " which is stored encrypted");
            }
        }
    }
}
