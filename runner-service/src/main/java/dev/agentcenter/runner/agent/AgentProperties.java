package dev.agentcenter.runner.agent;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * How this runner starts coding-agent CLIs.
 *
 * @param codexPath {@code RUNNER_CODEX_PATH} (default {@code codex}): the Codex CLI, a path or a name looked up on the
 *     {@code PATH} of the runner user's login environment ({@code LoginEnvironment}; the runner's own {@code PATH}
 *     when {@code RUNNER_LOGIN_ENVIRONMENT} is false or resolving failed)
 * @param claudePath {@code RUNNER_CLAUDE_PATH} (default {@code claude}): the Claude Code CLI, likewise
 * @param timeout {@code RUNNER_AGENT_TIMEOUT_SECONDS} (default 3600 s): an agent running longer is stopped (TERM,
 *     then KILL) and its run fails with {@code agent_timed_out}
 * @param openaiApiKey {@code OPENAI_API_KEY} of the runner: used for Codex only when no OpenAI credential is stored
 *     through the API; never given to shell commands
 * @param anthropicApiKey {@code ANTHROPIC_API_KEY} of the runner: used for Claude Code only when no Anthropic
 *     credential is stored through the API; never given to shell commands
 */
@Validated
@ConfigurationProperties("agent-center.agents")
public record AgentProperties(
        @NotBlank @DefaultValue("codex") String codexPath,
        @NotBlank @DefaultValue("claude") String claudePath,
        @NotNull @DefaultValue("3600s") Duration timeout,
        String openaiApiKey,
        String anthropicApiKey) {

    public AgentProperties {
        openaiApiKey = blankToNull(openaiApiKey);
        anthropicApiKey = blankToNull(anthropicApiKey);
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value.strip();
    }

    /** Never prints the keys. */
    @Override
    public String toString() {
        return "AgentProperties[codexPath=" + codexPath + ", claudePath=" + claudePath + ", timeout=" + timeout
                + ", openaiApiKey=" + (openaiApiKey == null ? "unset" : "set") + ", anthropicApiKey="
                + (anthropicApiKey == null ? "unset" : "set") + "]";
    }
}
