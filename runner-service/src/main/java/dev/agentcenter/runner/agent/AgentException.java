package dev.agentcenter.runner.agent;

/** An agent could not be started or ended badly: a stable code and a message that says what to do. */
public final class AgentException extends RuntimeException {

    private final String code;

    AgentException(String code, String message) {
        super(message, null, false, false);
        this.code = code;
    }

    /** E.g. {@code agent_cli_missing}, {@code agent_credentials_missing}, {@code agent_failed}. */
    public String code() {
        return code;
    }
}
