package dev.agentcenter.runner.run;

import dev.agentcenter.model.ExecutionConfig;
import dev.agentcenter.model.PermissionMode;
import dev.agentcenter.support.SecretBinding;
import java.util.List;
import java.util.UUID;

/**
 * Everything a runner needs to execute one run, read once when the run is handed to it.
 *
 * @param repository the repository to clone, or {@code null} for a plain workspace
 * @param rootDirectory the project's root directory inside the repository, or {@code null}
 * @param source why the run exists: {@code api}, {@code follow_up}, {@code retry} or {@code automation}
 * @param prompt the run's prompt (the API copies the task's into it when the request had none)
 * @param taskPrompt the task's prompt
 * @param rehomedFrom the runner that held the task's workspace when the worker gave the run to this one instead
 *     (it was drained, offline, or busy too long), or {@code null}: this runner starts from a fresh workspace
 */
record RunContext(
        UUID runId,
        UUID taskId,
        int attempt,
        UUID leaseToken,
        String source,
        String prompt,
        String taskPrompt,
        PermissionMode permissionMode,
        List<String> blockedCommands,
        ExecutionConfig config,
        String baseBranch,
        String branchName,
        String rootDirectory,
        Repository repository,
        UUID rehomedFrom) {

    /**
     * A repository connection; its token stays encrypted until the run needs it.
     *
     * @param connectionId the connection's id, which (with its workspace and repository) the token is sealed for
     * @param defaultBranch the connection's default branch, else the project's, else {@code null}
     * @param tokenCiphertext the connection's encrypted token, or {@code null}
     */
    record Repository(
            UUID connectionId,
            UUID workspaceId,
            String provider,
            String owner,
            String repo,
            String defaultBranch,
            byte[] tokenCiphertext) {

        String fullName() {
            return owner + "/" + repo;
        }

        /** What the token is sealed for ({@link SecretBinding#repositoryToken}). */
        SecretBinding tokenBinding() {
            return SecretBinding.repositoryToken(connectionId, workspaceId, provider, owner, repo);
        }
    }
}
