package dev.agentcenter.sdk;

import dev.agentcenter.model.CreateWorkspaceRequest;
import dev.agentcenter.model.Page;
import dev.agentcenter.model.UpdateWorkspaceRequest;
import dev.agentcenter.model.Workspace;
import java.util.UUID;

/** Workspaces ({@code /api/workspaces}). Get one from {@link AgentCenterClient#workspaces()}. */
public final class WorkspaceService {

    private static final String PATH = "/api/workspaces";
    private final Transport transport;

    WorkspaceService(Transport transport) {
        this.transport = transport;
    }

    /**
     * Creates a workspace.
     *
     * @param request slug (unique, lowercase words joined by dashes), name and optional details
     * @return the new workspace
     * @throws BadRequestException if the request is invalid
     * @throws ConflictException if the slug is taken
     */
    public Workspace create(CreateWorkspaceRequest request) {
        return transport.call("POST", PATH, null, request, false, Workspace.class);
    }

    /**
     * Reads a workspace.
     *
     * @param id the workspace id
     * @return the workspace
     * @throws NotFoundException if there is no such workspace
     */
    public Workspace get(UUID id) {
        return transport.call("GET", PATH + "/" + id, null, null, true, Workspace.class);
    }

    /**
     * One page of workspaces, newest first.
     *
     * @param params paging
     * @return the page
     */
    public Page<Workspace> list(ListParams params) {
        return transport.call("GET", PATH, params.query(), null, true, transport.type(Page.class, Workspace.class));
    }

    /**
     * Every workspace, fetching pages as needed.
     *
     * @param params page size; its cursor is where to start
     * @return a lazy iterable over all workspaces
     */
    public AutoPager<Workspace> iterate(ListParams params) {
        return new AutoPager<>(cursor -> list(params.withCursor(cursor != null ? cursor : params.cursor())));
    }

    /**
     * Changes the fields that are set in the request; others stay as they are.
     *
     * @param id the workspace id
     * @param request the fields to change
     * @return the updated workspace
     * @throws NotFoundException if there is no such workspace
     */
    public Workspace update(UUID id, UpdateWorkspaceRequest request) {
        return transport.call("PATCH", PATH + "/" + id, null, request, true, Workspace.class);
    }

    /**
     * Deletes a workspace.
     *
     * @param id the workspace id
     * @throws NotFoundException if there is no such workspace
     * @throws ConflictException if it still holds resources the server will not delete with it
     */
    public void delete(UUID id) {
        transport.call("DELETE", PATH + "/" + id, null, null, true, (Class<?>) null);
    }
}
