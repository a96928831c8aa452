package dev.agentcenter.api.project;

import dev.agentcenter.api.web.ApiException;
import dev.agentcenter.api.web.PageQuery;
import dev.agentcenter.api.workspace.WorkspaceStore;
import dev.agentcenter.model.CreateProjectRequest;
import dev.agentcenter.model.Page;
import dev.agentcenter.model.Project;
import dev.agentcenter.model.UpdateProjectRequest;
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
@RequestMapping("/api/projects")
class ProjectController {

    private final ProjectStore projects;
    private final WorkspaceStore workspaces;

    ProjectController(ProjectStore projects, WorkspaceStore workspaces) {
        this.projects = projects;
        this.workspaces = workspaces;
    }

    @GetMapping
    Page<Project> list(
            @RequestParam(required = false) UUID workspaceId,
            @RequestParam(required = false) Integer limit,
            @RequestParam(required = false) String cursor) {
        PageQuery page = PageQuery.of(limit, cursor);
        if (workspaceId != null && !workspaces.exists(workspaceId)) {
            throw ApiException.notFound("workspace", workspaceId);
        }
        return projects.list(workspaceId, page);
    }

    @PostMapping
    ResponseEntity<Project> create(@Valid @RequestBody CreateProjectRequest request) {
        RootDirectory.check("rootDirectory", request.rootDirectory());
        Project created =
                projects.create(request).orElseThrow(() -> ApiException.notFound("workspace", request.workspaceId()));
        return ResponseEntity.created(URI.create("/api/projects/" + created.id()))
                .body(created);
    }

    @GetMapping("/{id}")
    Project get(@PathVariable UUID id) {
        return projects.find(id).orElseThrow(() -> ApiException.notFound("project", id));
    }

    @PatchMapping("/{id}")
    Project update(@PathVariable UUID id, @Valid @RequestBody UpdateProjectRequest request) {
        if (request.slug() == null
                && request.name() == null
                && request.description() == null
                && request.defaultBranch() == null
                && request.rootDirectory() == null
                && request.metadata() == null) {
            throw ApiException.invalidField("body", "must change at least one field");
        }
        RootDirectory.check("rootDirectory", request.rootDirectory());
        return projects.update(id, request).orElseThrow(() -> ApiException.notFound("project", id));
    }

    /** Deletes the project and everything in it (repositories, tasks, runs, automations). */
    @DeleteMapping("/{id}")
    ResponseEntity<Void> delete(@PathVariable UUID id) {
        if (!projects.delete(id)) {
            throw ApiException.notFound("project", id);
        }
        return ResponseEntity.noContent().build();
    }
}
