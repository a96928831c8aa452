package dev.agentcenter.model;

import java.time.Instant;

/**
 * The outcome of checking a repository connection against the GitHub API.
 *
 * @param ok whether the repository could be read with the connection's credentials
 * @param status HTTP status GitHub answered with, or {@code null} when it could not be reached
 * @param code a stable code: {@code ok}, {@code auth_failed}, {@code forbidden}, {@code repository_not_found},
 *     {@code github_unreachable} or {@code github_error}
 * @param message what happened, in words
 * @param repository what GitHub said about the repository, when {@code ok}
 */
public record RepoConnectionTestResult(
        boolean ok, Integer status, String code, String message, Repository repository, Instant checkedAt) {

    /** The repository as GitHub describes it. */
    public record Repository(String fullName, String defaultBranch, boolean isPrivate, String htmlUrl) {}
}
