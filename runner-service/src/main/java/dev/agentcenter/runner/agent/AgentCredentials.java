package dev.agentcenter.runner.agent;

import dev.agentcenter.support.SealedSecrets;
import dev.agentcenter.support.SecretBinding;
import dev.agentcenter.support.SecretKeyException;
import dev.agentcenter.support.UnreadableSecretException;
import java.sql.Types;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * The provider credential an agent runs with: the one stored through {@code POST /api/credentials/{provider}},
 * decrypted here with the runner's {@code CREDENTIAL_ENCRYPTION_KEY}, else the runner's own environment key.
 *
 * <p>The API seals credentials into the {@code credentials} table with AES-GCM, bound to their row (provider and
 * kind, {@link SecretBinding#credential}), and never hands them out; the runner reads the sealed row over its
 * authenticated database connection and opens it with the key it shares with the API. So a secret never crosses the
 * network in clear, and there is no HTTP route that returns one (the original's unauthenticated
 * {@code /internal/credentials/*} did).
 */
@Component
class AgentCredentials {

    private static final Logger log = LoggerFactory.getLogger(AgentCredentials.class);

    /** What an agent authenticates with. */
    sealed interface Credential {
        /** Where it came from, for the run's events: {@code stored} or {@code runner_environment}. */
        String source();
    }

    /** An API key, given to the agent process in its environment. */
    record ApiKey(String value, String source) implements Credential {
        @Override
        public String toString() {
            return "ApiKey[" + source + "]";
        }
    }

    /**
     * The contents of a Codex {@code auth.json} (ChatGPT sign-in), written into the agent's {@code CODEX_HOME}.
     *
     * @param sealed the stored ciphertext, so that refreshed tokens are written back only over this same version
     */
    record CodexAuthJson(String json, byte[] sealed) implements Credential {
        @Override
        public String source() {
            return "stored";
        }

        @Override
        public String toString() {
            return "CodexAuthJson[stored]";
        }
    }

    private final JdbcClient db;
    private final SealedSecrets secrets;
    private final AgentProperties agents;

    AgentCredentials(JdbcClient db, SealedSecrets secrets, AgentProperties agents) {
        this.db = db;
        this.secrets = secrets;
        this.agents = agents;
    }

    /**
     * The credential for a provider's agent.
     *
     * @param provider {@code openai} (Codex) or {@code anthropic} (Claude Code)
     * @throws AgentException {@code agent_credentials_missing} when there is none, {@code credentials_unavailable}
     *     when the stored one cannot be opened
     */
    Credential resolve(String provider) {
        Optional<Sealed> stored = db.sql("SELECT kind, ciphertext FROM credentials WHERE provider = :provider")
                .param("provider", provider)
                .query((rs, row) -> new Sealed(rs.getString("kind"), rs.getBytes("ciphertext")))
                .optional();
        if (stored.isPresent()) {
            String plain = open(provider, stored.get().kind(), stored.get().ciphertext());
            return stored.get().kind().equals("codex_auth_json")
                    ? new CodexAuthJson(plain, stored.get().ciphertext())
                    : new ApiKey(plain, "stored");
        }
        String fallback = provider.equals("openai") ? agents.openaiApiKey() : agents.anthropicApiKey();
        if (fallback != null) {
            return new ApiKey(fallback, "runner_environment");
        }
        throw new AgentException("agent_credentials_missing", missingMessage(provider));
    }

    /** What became of an {@code auth.json} the run left behind. */
    sealed interface WriteBack {
        /** Stored as the new OpenAI credential. */
        record Stored() implements WriteBack {}

        /** Not stored, and nothing to warn about: unchanged, no key to seal it with, or the credential moved on. */
        record Skipped() implements WriteBack {}

        /** Not stored because it is not a refresh of the stored sign-in; {@code reason} is for people. */
        record Refused(String reason) implements WriteBack {}
    }

    /**
     * Stores an {@code auth.json} that Codex rewrote during the run (it refreshes its tokens, and the old refresh
     * token stops working), unless the stored credential changed meanwhile. The original threw refreshed tokens
     * away, so a stored ChatGPT sign-in silently died after its first refresh.
     *
     * <p>Only a refresh of the same account is stored ({@link CodexAuthIdentity}): the run's agent and commands can
     * write any {@code auth.json} into {@code CODEX_HOME}, and the original stored whatever it found, so a run could
     * make every later run of every task work in an account of its choosing.
     */
    WriteBack storeRefreshedCodexAuth(CodexAuthJson used, String refreshed) {
        if (!secrets.available() || refreshed.equals(used.json())) {
            return new WriteBack.Skipped();
        }
        Optional<String> mismatch = CodexAuthIdentity.mismatch(used.json(), refreshed);
        if (mismatch.isPresent()) {
            log.warn("Refused to store the Codex auth.json a run left: {}", mismatch.get());
            return new WriteBack.Refused(mismatch.get());
        }
        byte[] sealed = secrets.seal(refreshed, SecretBinding.credential("openai", "codex_auth_json"));
        int updated = db.sql("""
                        UPDATE credentials SET ciphertext = :sealed, updated_at = now()
                         WHERE provider = 'openai' AND kind = 'codex_auth_json' AND ciphertext = :previous""")
                .param("sealed", sealed, Types.BINARY)
                .param("previous", used.sealed(), Types.BINARY)
                .update();
        if (updated == 1) {
            log.info("Stored the Codex auth.json refreshed during a run");
            return new WriteBack.Stored();
        }
        return new WriteBack.Skipped();
    }

    private String open(String provider, String kind, byte[] ciphertext) {
        if (!secrets.available()) {
            throw new AgentException(
                    "credentials_unavailable",
                    "The " + provider + " credential is stored encrypted but this runner has no"
                            + " CREDENTIAL_ENCRYPTION_KEY: give the runner the same key as the API.");
        }
        try {
            return secrets.open(ciphertext, SecretBinding.credential(provider, kind));
        } catch (UnreadableSecretException | SecretKeyException e) {
            // Another key, a value copied from another provider's row or with its kind changed, altered bytes.
            throw new AgentException(
                    "credentials_unavailable",
                    "The stored " + provider + " credential cannot be used: " + e.getMessage()
                            + " The runner needs the same CREDENTIAL_ENCRYPTION_KEY as the API; or store the"
                            + " credential again (POST /api/credentials/" + provider + ").");
        }
    }

    private static String missingMessage(String provider) {
        if (provider.equals("openai")) {
            return "No OpenAI credential for Codex: store one with POST /api/credentials/openai"
                    + " {\"apiKey\": \"sk-…\"} (or {\"codexAuthJson\": <contents of ~/.codex/auth.json>}),"
                    + " or set OPENAI_API_KEY in the runner's environment.";
        }
        return "No Anthropic credential for Claude Code: store one with POST /api/credentials/anthropic"
                + " {\"apiKey\": \"sk-ant-…\"}, or set ANTHROPIC_API_KEY in the runner's environment.";
    }

    private record Sealed(String kind, byte[] ciphertext) {}
}
