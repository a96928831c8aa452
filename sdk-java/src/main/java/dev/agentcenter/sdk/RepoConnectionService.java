package dev.agentcenter.sdk;

import dev.agentcenter.model.CreateRepoConnectionRequest;
import dev.agentcenter.model.Page;
import dev.agentcenter.model.RepoConnection;
import dev.agentcenter.model.RepoConnectionTestResult;
import dev.agentcenter.model.UpdateRepoConnectionRequest;
import java.util.UUID;

/**
 * GitHub repository connections ({@code /api/repo-connections}). A token given at creation is stored encrypted by
 * the server and never returned ({@link RepoConnection#hasToken()} says whether there is one).
 */
public final class RepoConnectionService {

    private static final String PATH = "/api/repo-connections";
    private final Transport transport;

    RepoConnectionService(Transport transport) {
        this.transport = transport;
    }

    /**
     * Connects a repository to a workspace (and optionally a project).
     *
     * @param request owner, repo, default branch and optional token
     * @return the new connection, without the token
     * @throws BadRequestException if the request is invalid
     * @throws NotFoundException if the workspace or project does not exist
     */
    public RepoConnection create(CreateRepoConnectionRequest request) {
        return transport.call("POST", PATH, null, request, false, RepoConnection.class);
    }

    /**
     * Reads a connection.
     *
     * @param id the connection id
     * @return the connection
     * @throws NotFoundException if there is no such connection
     */
    public RepoConnection get(UUID id) {
        return transport.call("GET", PATH + "/" + id, null, null, true, RepoConnection.class);
    }

    /**
     * One page of connections, newest first.
     *
     * @param params filters and paging
     * @return the page
     */
    public Page<RepoConnection> list(RepoConnectionListParams params) {
        return transport.call(
                "GET", PATH, params.query(), null, true, transport.type(Page.class, RepoConnection.class));
    }

    /**
     * Every matching connection, fetching pages as needed.
     *
     * @param params filters and page size
     * @return a lazy iterable over all matching connections
     */
    public AutoPager<RepoConnection> iterate(RepoConnectionListParams params) {
        return new AutoPager<>(cursor -> list(params.withCursor(cursor != null ? cursor : params.cursor())));
    }

    /**
     * Changes a connection's settings: its {@code maxConcurrentRuns} (0 removes the limit).
     *
     * @param id the connection id
     * @throws NotFoundException if there is no such connection
     */
    public RepoConnection update(UUID id, UpdateRepoConnectionRequest request) {
        return transport.call("PATCH", PATH + "/" + id, null, request, false, RepoConnection.class);
    }

    /**
     * Deletes a connection.
     *
     * @param id the connection id
     * @throws NotFoundException if there is no such connection
     */
    public void delete(UUID id) {
        transport.call("DELETE", PATH + "/" + id, null, null, true, (Class<?>) null);
    }

    /**
     * Checks, through the GitHub API, that the server can reach the repository with the stored token.
     *
     * @param id the connection id
     * @return whether access works, and why not
     * @throws NotFoundException if there is no such connection
     */
    public RepoConnectionTestResult test(UUID id) {
        return transport.call("POST", PATH + "/" + id + "/test", null, null, true, RepoConnectionTestResult.class);
    }
}
