package dev.agentcenter.api.credential;

import dev.agentcenter.api.web.ApiException;
import java.util.Arrays;
import org.springframework.http.HttpStatus;

/** The providers a credential can be stored for, in the order {@code GET /api/credentials} lists them. */
enum CredentialProvider {
    OPENAI("openai"),
    ANTHROPIC("anthropic");

    private final String id;

    CredentialProvider(String id) {
        this.id = id;
    }

    String id() {
        return id;
    }

    /**
     * The provider named in a path.
     *
     * @throws ApiException 404 {@code credential_provider_not_found} for any other name (the name is not echoed: it
     *     is whatever the client put in the URL)
     */
    static CredentialProvider of(String id) {
        return Arrays.stream(values())
                .filter(p -> p.id.equals(id))
                .findFirst()
                .orElseThrow(() -> new ApiException(
                        HttpStatus.NOT_FOUND,
                        "credential_provider_not_found",
                        "Credentials can be stored for openai or anthropic only"));
    }
}
