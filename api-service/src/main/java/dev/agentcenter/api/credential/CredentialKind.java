package dev.agentcenter.api.credential;

/** What a stored credential is, as the {@code credentials.kind} column names it. */
enum CredentialKind {
    API_KEY("api_key"),
    CODEX_AUTH_JSON("codex_auth_json");

    private final String id;

    CredentialKind(String id) {
        this.id = id;
    }

    String id() {
        return id;
    }
}
