package dev.agentcenter.sdk;

import dev.agentcenter.model.CreateProjectRequest;
import dev.agentcenter.model.Page;
import dev.agentcenter.model.Project;
import dev.agentcenter.model.UpdateProjectRequest;
import java.util.UUID;

/** Projects ({@code /api/projects}). Get one from {@link AgentCenterClient#projects()}. */
public final class ProjectService {

    private static final String PATH = "/api/projects";
    private final Transport transport;

    ProjectService(Transport transport) {
        this.transport = transport;
    }

    /**
     * Creates a project in a workspace.
     *
     * @param request the workspace, slug (unique in the workspace), name and optional details
     * @return the new project
     * @throws BadRequestException if the request is invalid
     * @throws NotFoundException if the workspace does not exist
     * @throws ConflictException if the slug is taken in the workspace
     */
    public Project create(CreateProjectRequest request) {
        return transport.call("POST", PATH, null, request, false, Project.class);
    }

    /**
     * Reads a project.
     *
     * @param id the project id
     * @return the project
     * @throws NotFoundException if there is no such project
     */
    public Project get(UUID id) {
        return transport.call("GET", PATH + "/" + id, null, null, true, Project.class);
    }

    /**
     * One page of projects, newest first.
     *
     * @param params filters and paging
     * @return the page
     */
    public Page<Project> list(ProjectListParams params) {
        return transport.call("GET", PATH, params.query(), null, true, transport.type(Page.class, Project.class));
    }

    /**
     * Every matching project, fetching pages as needed.
     *
     * @param params filters and page size
     * @return a lazy iterable over all matching projects
     */
    public AutoPager<Project> iterate(ProjectListParams params) {
        return new AutoPager<>(cursor -> list(params.withCursor(cursor != null ? cursor : params.cursor())));
    }

    /**
     * Changes the fields that are set in the request.
     *
     * @param id the project id
     * @param request the fields to change
     * @return the updated project
     * @throws NotFoundException if there is no such project
     */
    public Project update(UUID id, UpdateProjectRequest request) {
        return transport.call("PATCH", PATH + "/" + id, null, request, true, Project.class);
    }

    /**
     * Deletes a project.
     *
     * @param id the project id
     * @throws NotFoundException if there is no such project
     */
    public void delete(UUID id) {
        transport.call("DELETE", PATH + "/" + id, null, null, true, (Class<?>) null);
    }
}
