package dev.agentcenter.runner.run;

import dev.agentcenter.support.SecretCipher;
import org.springframework.stereotype.Component;

/** Decides which token clones a repository: the connection's own (decrypted here), else the runner's GitHub token. */
@Component
class RepositoryTokens {

    private final ExecutionProperties properties;

    RepositoryTokens(ExecutionProperties properties) {
        this.properties = properties;
    }

    /** The token for this repository, or {@code null} for none (public repositories). */
    String resolve(RunContext.Repository repository) {
        if (repository == null) {
            return null;
        }
        if (repository.tokenCiphertext() == null) {
            return properties.githubToken();
        }
        if (properties.credentialEncryptionKey() == null) {
            throw new RunFailure(
                    "credentials_unavailable",
                    "The repository token is stored encrypted but this runner has no CREDENTIAL_ENCRYPTION_KEY:"
                            + " give the runner the same key as the API.");
        }
        try {
            return SecretCipher.fromConfiguredKey(properties.credentialEncryptionKey())
                    .decrypt(repository.tokenCiphertext(), "repo_token");
        } catch (IllegalArgumentException e) {
            throw new RunFailure(
                    "credentials_unavailable",
                    "The repository token cannot be decrypted with this runner's CREDENTIAL_ENCRYPTION_KEY:"
                            + " give the runner the same key as the API.");
        }
    }
}
