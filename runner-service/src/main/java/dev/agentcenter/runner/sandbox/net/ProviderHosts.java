package dev.agentcenter.runner.sandbox.net;

import java.util.List;

/**
 * The API hosts each coding agent needs, added to every {@code allowlist} of a run with that agent (its model
 * endpoint, when one is configured, is added as well).
 */
public final class ProviderHosts {

    /** Codex: the OpenAI API, and ChatGPT (with its sign-in) for a ChatGPT login. */
    public static final List<String> CODEX = List.of("api.openai.com", "auth.openai.com", "chatgpt.com");

    /** Claude Code: the Anthropic API, and claude.ai / platform.claude.com for its account sign-in. */
    public static final List<String> CLAUDE = List.of("api.anthropic.com", "claude.ai", "platform.claude.com");

    private ProviderHosts() {}
}
