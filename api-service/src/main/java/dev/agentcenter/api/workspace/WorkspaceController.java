package dev.agentcenter.api.workspace;

import dev.agentcenter.api.web.ApiException;
import dev.agentcenter.api.web.PageQuery;
import dev.agentcenter.model.CreateWorkspaceRequest;
import dev.agentcenter.model.Page;
import dev.agentcenter.model.UpdateWorkspaceRequest;
import dev.agentcenter.model.Workspace;
import jakarta.validation.Valid;
import java.net.URI;
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
@RequestMapping("/api/workspaces")
class WorkspaceController {

    private final WorkspaceStore workspaces;

    WorkspaceController(WorkspaceStore workspaces) {
        this.workspaces = workspaces;
    }

    @GetMapping
    Page<Workspace> list(@RequestParam(required = false) Integer limit, @RequestParam(required = false) String cursor) {
        return workspaces.list(PageQuery.of(limit, cursor));
    }

    @PostMapping
    ResponseEntity<Workspace> create(@Valid @RequestBody CreateWorkspaceRequest request) {
        Workspace created = workspaces.create(request);
        return ResponseEntity.created(URI.create("/api/workspaces/" + created.id()))
                .body(created);
    }

    @GetMapping("/{id}")
    Workspace get(@PathVariable UUID id) {
        return workspaces.find(id).orElseThrow(() -> ApiException.notFound("workspace", id));
    }

    @PatchMapping("/{id}")
    Workspace update(@PathVariable UUID id, @Valid @RequestBody UpdateWorkspaceRequest request) {
        if (request.slug() == null
                && request.name() == null
                && request.description() == null
                && request.metadata() == null
                && request.budget() == null
                && request.clearBudget() == null
                && request.maxConcurrentRuns() == null) {
            throw ApiException.invalidField("body", "must change at least one field");
        }
        if (request.budget() != null && Boolean.TRUE.equals(request.clearBudget())) {
            throw ApiException.invalidField("clearBudget", "cannot be true together with budget");
        }
        if (request.budget() != null
                && request.budget().maxTokens() == null
                && request.budget().maxCostUsd() == null) {
            throw ApiException.invalidField("budget", "give maxTokens and/or maxCostUsd");
        }
        return workspaces.update(id, request).orElseThrow(() -> ApiException.notFound("workspace", id));
    }

    /** Deletes the workspace and everything in it (projects, repositories, tasks, runs, automations). */
    @DeleteMapping("/{id}")
    ResponseEntity<Void> delete(@PathVariable UUID id) {
        if (!workspaces.delete(id)) {
            throw ApiException.notFound("workspace", id);
        }
        return ResponseEntity.noContent().build();
    }
}
