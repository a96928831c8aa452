package dev.agentcenter.runner.run;

import dev.agentcenter.support.SealedSecrets;
import dev.agentcenter.support.SecretKeyException;
import dev.agentcenter.support.UnreadableSecretException;
import org.springframework.stereotype.Component;

/** Decides which token clones a repository: the connection's own (decrypted here), else the runner's GitHub token. */
@Component
class RepositoryTokens {

    private final ExecutionProperties properties;
    private final SealedSecrets secrets;

    RepositoryTokens(ExecutionProperties properties, SealedSecrets secrets) {
        this.properties = properties;
        this.secrets = secrets;
    }

    /** The token for this repository, or {@code null} for none (public repositories). */
    String resolve(RunContext.Repository repository) {
        if (repository == null) {
            return null;
        }
        if (repository.tokenCiphertext() == null) {
            return properties.githubToken();
        }
        if (!secrets.available()) {
            throw new RunFailure(
                    "credentials_unavailable",
                    "The repository token is stored encrypted but this runner has no CREDENTIAL_ENCRYPTION_KEY:"
                            + " give the runner the same key as the API.");
        }
        try {
            return secrets.open(repository.tokenCiphertext(), repository.tokenBinding());
        } catch (UnreadableSecretException | SecretKeyException e) {
            // Another key, a token copied from another connection, altered bytes: the message says which, never the
            // token.
            throw new RunFailure(
                    "credentials_unavailable",
                    "The repository token of " + repository.fullName() + " cannot be used: " + e.getMessage()
                            + " The runner needs the same CREDENTIAL_ENCRYPTION_KEY as the API.");
        }
    }
}
