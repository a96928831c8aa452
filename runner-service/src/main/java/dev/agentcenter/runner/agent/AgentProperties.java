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
 * @param openaiBaseUrl {@code AGENT_OPENAI_BASE_URL}: the OpenAI-compatible API Codex talks to (a gateway, a proxy,
 *     LiteLLM), with its version path, e.g. {@code https://gateway.example.com/v1}; Codex then uses a provider of
 *     that base URL with the Responses API over plain HTTP streaming (no WebSockets). Empty: OpenAI itself. Applies
 *     to API keys; a ChatGPT sign-in ({@code codexAuthJson}) always talks to ChatGPT
 * @param anthropicBaseUrl {@code AGENT_ANTHROPIC_BASE_URL}: the Anthropic-compatible API Claude Code talks to, given
 *     to it as {@code ANTHROPIC_BASE_URL}, without {@code /v1}, e.g. {@code https://gateway.example.com}. Empty:
 *     Anthropic itself
 */
@Validated
@ConfigurationProperties("agent-center.agents")
public record AgentProperties(
        @NotBlank @DefaultValue("codex") String codexPath,
        @NotBlank @DefaultValue("claude") String claudePath,
        @NotNull @DefaultValue("3600s") Duration timeout,
        String openaiApiKey,
        String anthropicApiKey,
        String openaiBaseUrl,
        String anthropicBaseUrl) {

    public AgentProperties {
        openaiApiKey = blankToNull(openaiApiKey);
        anthropicApiKey = blankToNull(anthropicApiKey);
        openaiBaseUrl = baseUrl("AGENT_OPENAI_BASE_URL", openaiBaseUrl);
        anthropicBaseUrl = baseUrl("AGENT_ANTHROPIC_BASE_URL", anthropicBaseUrl);
    }

    /**
     * An http(s) URL without a trailing slash, or {@code null}. It ends up inside a TOML string on Codex's command
     * line, so quotes, backslashes, spaces and control characters are refused rather than escaped.
     */
    static String baseUrl(String variable, String value) {
        String url = blankToNull(value);
        if (url == null) {
            return null;
        }
        while (url.endsWith("/")) {
            url = url.substring(0, url.length() - 1);
        }
        boolean plain = url.chars().allMatch(c -> c > 0x20 && c < 0x7f && c != '"' && c != '\\');
        java.net.URI uri;
        try {
            uri = plain ? new java.net.URI(url) : null;
        } catch (java.net.URISyntaxException e) {
            uri = null;
        }
        if (uri == null
                || uri.getHost() == null
                || !("http".equalsIgnoreCase(uri.getScheme()) || "https".equalsIgnoreCase(uri.getScheme()))
                || uri.getRawQuery() != null
                || uri.getRawFragment() != null
                || uri.getRawUserInfo() != null) {
            throw new IllegalArgumentException(variable + " must be an http(s) URL without user info, query or"
                    + " fragment, e.g. https://gateway.example.com" + (variable.contains("OPENAI") ? "/v1" : "")
                    + ": " + value);
        }
        return url;
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value.strip();
    }

    /** Never prints the keys. */
    @Override
    public String toString() {
        return "AgentProperties[codexPath=" + codexPath + ", claudePath=" + claudePath + ", timeout=" + timeout
                + ", openaiApiKey=" + (openaiApiKey == null ? "unset" : "set") + ", anthropicApiKey="
                + (anthropicApiKey == null ? "unset" : "set") + ", openaiBaseUrl=" + openaiBaseUrl
                + ", anthropicBaseUrl=" + anthropicBaseUrl + "]";
    }
}
