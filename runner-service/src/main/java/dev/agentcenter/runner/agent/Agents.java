package dev.agentcenter.runner.agent;

import dev.agentcenter.model.AgentConfig;
import dev.agentcenter.model.AgentProvider;
import dev.agentcenter.model.PermissionMode;
import dev.agentcenter.runner.RunnerProperties;
import dev.agentcenter.runner.execution.LoginEnvironment;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * Prepares a run's coding agent: finds the CLI, the prompt, the credential and the session to resume, and builds the
 * command line and environment. What it returns is started and cleaned up by the run ({@link AgentRun}).
 *
 * <h2>Command lines</h2>
 *
 * <ul>
 *   <li>Codex: {@code codex -c features.plugins=false -c features.remote_plugin=false -c analytics.enabled=false
 *       [-c model_provider=agentcenter -c model_providers.agentcenter={…}] exec --json --skip-git-repo-check
 *       [--model M] <sandbox> [resume <session>] -}. The {@code -c} options come before the subcommand: the first
 *       three keep Codex from contacting plugin and analytics hosts at start; the provider is given when {@code
 *       AGENT_OPENAI_BASE_URL} is set (Codex 0.169 ignores {@code OPENAI_BASE_URL}; its built-in provider with {@code
 *       openai_base_url} would try WebSockets first): {@code base_url} that URL, {@code env_key="OPENAI_API_KEY"},
 *       {@code wire_api="responses"}, {@code supports_websockets=false}. The
 *       sandbox follows the permission mode: {@code safe} and {@code custom} → {@code --sandbox workspace-write}
 *       (writes only inside the workspace, no network), {@code yolo} →
 *       {@code --dangerously-bypass-approvals-and-sandbox}. {@code codex exec} never asks for approval (its policy is
 *       fixed to {@code never}), so there is no approval flag to map.
 *   <li>Claude Code: {@code claude -p --output-format stream-json --verbose --include-partial-messages [--model M]
 *       --permission-mode <mode> [--resume=<session>]}, with {@code safe} and {@code custom} →
 *       {@code acceptEdits} (file edits are allowed; shell commands that would need approval are refused, since
 *       nobody can approve them) and {@code yolo} → {@code bypassPermissions}. The original mapped {@code safe} to
 *       {@code default} (every edit refused headless) and {@code custom} to {@code plan} (read-only). Its
 *       environment always has {@code DISABLE_TELEMETRY}, {@code CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC}, {@code
 *       DISABLE_AUTOUPDATER} and {@code DISABLE_ERROR_REPORTING} set to 1 (no traffic but the model API), {@code
 *       ANTHROPIC_BASE_URL} when {@code AGENT_ANTHROPIC_BASE_URL} is set, and {@code IS_SANDBOX=1} for {@code yolo}
 *       when the runner runs as root: Claude Code refuses {@code bypassPermissions} as root otherwise ("cannot be used
 *       with root/sudo privileges"). That is a deliberate choice: the runner's host (or container) is what the
 *       operator gave the agents, and {@code yolo} means the operator accepts that.
 * </ul>
 *
 * <p>The prompt goes to standard input (Codex's {@code -}, Claude's {@code -p} without a prompt argument), from a file
 * outside the workspace: it is never parsed by a shell nor mistaken for an option, and its size is not bounded by the
 * kernel's per-argument limit. A custom policy's {@code blockedCommands} is not enforced inside the agents: neither
 * CLI has a way to take such a list.
 *
 * <h2>State</h2>
 *
 * <p>Each task gets a directory {@code <RUNNER_WORKSPACE_ROOT>/.agent-state/<taskId>/} (mode 0700, outside the
 * workspace): Codex runs with {@code CODEX_HOME} and Claude Code with {@code CLAUDE_CONFIG_DIR} there, so their session
 * files outlive the run (a follow-up resumes the session) and neither sees the runner user's own sign-in or config.
 */
@Component
public class Agents {

    /** Codex prints whole tool outputs on one line; longer lines are cut and then kept as plain log lines. */
    static final int MAX_LINE_BYTES = 4 * 1024 * 1024;

    private static final String PATH_VARIABLE = "PATH";
    /** The id of the model provider Codex is given for {@code AGENT_OPENAI_BASE_URL}. */
    static final String CODEX_PROVIDER_ID = "agentcenter";
    /** Claude Code's environment for every run: no telemetry, update checks or error reports, only the model API. */
    static final Map<String, String> CLAUDE_QUIET = Map.of(
            "DISABLE_TELEMETRY", "1",
            "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1",
            "DISABLE_AUTOUPDATER", "1",
            "DISABLE_ERROR_REPORTING", "1");

    private static final Pattern SESSION_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0,199}");

    private final AgentProperties properties;
    private final AgentCredentials credentials;
    private final RunnerProperties runner;
    private final JdbcClient db;
    private final ObjectMapper json;
    private final LoginEnvironment environment;

    Agents(
            AgentProperties properties,
            AgentCredentials credentials,
            RunnerProperties runner,
            JdbcClient db,
            ObjectMapper json,
            LoginEnvironment environment) {
        this.properties = properties;
        this.credentials = credentials;
        this.runner = runner;
        this.db = db;
        this.json = json;
        this.environment = environment;
    }

    /**
     * Everything needed to start the agent. Files it writes (the prompt, a Codex {@code auth.json}) are removed by
     * {@link AgentRun#close()}.
     *
     * @throws AgentException {@code agent_cli_missing}, {@code agent_prompt_missing},
     *     {@code agent_credentials_missing}, {@code credentials_unavailable} or {@code agent_setup_failed}
     */
    public AgentRun prepare(AgentRequest request) {
        AgentConfig agent = request.agent();
        AgentProvider provider = agent.provider();
        boolean codex = provider == AgentProvider.CODEX;
        String label = codex ? "Codex" : "Claude Code";
        // The resolved login environment's PATH, so that a CLI a version manager (nvm, …) installed is found.
        Map<String, String> baseEnvironment = environment.forAgent(Map.of());
        String configured = codex ? properties.codexPath() : properties.claudePath();
        Path cli = findExecutable(configured, baseEnvironment.get(PATH_VARIABLE))
                .orElseThrow(() -> new AgentException(
                        "agent_cli_missing",
                        codex
                                ? "Codex CLI not found at '" + configured + "': install it (npm i -g @openai/codex)"
                                        + " or set RUNNER_CODEX_PATH to its path."
                                : "Claude Code CLI not found at '" + configured + "': install it (npm i -g"
                                        + " @anthropic-ai/claude-code) or set RUNNER_CLAUDE_PATH to its path."));
        Prompt prompt = prompt(request);
        AgentCredentials.Credential credential = credentials.resolve(codex ? "openai" : "anthropic");
        String resume = "follow_up".equals(request.source())
                ? previousSession(request, codex ? CodexStream.PROVIDER : ClaudeStream.PROVIDER)
                : null;

        Path stateDirectory = stateDirectory(request.taskId());
        Path home = stateDirectory.resolve(codex ? "codex" : "claude");
        Path promptFile = stateDirectory.resolve("prompt-" + request.runId() + ".txt");
        try {
            privateDirectory(stateRoot());
            privateDirectory(stateDirectory);
            privateDirectory(home);
            AgentRun.writePrivate(promptFile, prompt.text());
        } catch (IOException e) {
            throw new AgentException(
                    "agent_setup_failed",
                    "Could not prepare " + label + "'s directory " + home + ": " + e.getMessage());
        }

        Map<String, String> extra = new LinkedHashMap<>();
        List<String> secrets = new ArrayList<>();
        switch (credential) {
            case AgentCredentials.ApiKey key -> {
                secrets.add(key.value());
                if (codex) {
                    // codex exec reads CODEX_API_KEY; OPENAI_API_KEY is the name other Codex versions and tools read.
                    extra.put("OPENAI_API_KEY", key.value());
                    extra.put("CODEX_API_KEY", key.value());
                } else {
                    extra.put("ANTHROPIC_API_KEY", key.value());
                }
            }
            case AgentCredentials.CodexAuthJson auth -> secrets.addAll(AgentRun.secretsOf(json, auth.json()));
        }
        extra.put(codex ? "CODEX_HOME" : "CLAUDE_CONFIG_DIR", home.toString());
        boolean yolo = request.permissionMode() == PermissionMode.YOLO;
        // A gateway applies to API keys; a ChatGPT sign-in talks to ChatGPT.
        String baseUrl = codex
                ? (credential instanceof AgentCredentials.ApiKey ? properties.openaiBaseUrl() : null)
                : properties.anthropicBaseUrl();
        if (!codex) {
            extra.putAll(CLAUDE_QUIET);
            if (baseUrl != null) {
                extra.put("ANTHROPIC_BASE_URL", baseUrl);
            }
            if (yolo && runningAsRoot()) {
                extra.put("IS_SANDBOX", "1");
            }
        }

        List<String> argv = new ArrayList<>();
        argv.add(cli.toString());
        String model = agent.model() == null || agent.model().isBlank()
                ? null
                : agent.model().strip();
        if (codex) {
            argv.addAll(List.of(
                    "-c",
                    "features.plugins=false",
                    "-c",
                    "features.remote_plugin=false",
                    "-c",
                    "analytics.enabled=false"));
            if (baseUrl != null) {
                argv.addAll(List.of(
                        "-c",
                        "model_provider=" + CODEX_PROVIDER_ID,
                        "-c",
                        "model_providers." + CODEX_PROVIDER_ID + "={name=\"Agent Center gateway\", base_url=\""
                                + baseUrl
                                + "\", env_key=\"OPENAI_API_KEY\", wire_api=\"responses\","
                                + " supports_websockets=false}"));
            }
            argv.addAll(List.of("exec", "--json", "--skip-git-repo-check"));
            if (model != null) {
                argv.add("--model=" + model);
            }
            if (yolo) {
                argv.add("--dangerously-bypass-approvals-and-sandbox");
            } else {
                argv.addAll(List.of("--sandbox", "workspace-write"));
            }
            if (resume != null) {
                argv.addAll(List.of("resume", resume));
            }
            argv.add("-");
        } else {
            argv.addAll(List.of("-p", "--output-format", "stream-json", "--verbose", "--include-partial-messages"));
            if (model != null) {
                argv.add("--model=" + model);
            }
            argv.addAll(List.of("--permission-mode", yolo ? "bypassPermissions" : "acceptEdits"));
            if (resume != null) {
                // The = form binds the value to the flag even if it started with a dash.
                argv.add("--resume=" + resume);
            }
        }
        String providerName = codex ? CodexStream.PROVIDER : ClaudeStream.PROVIDER;
        AgentUsage.History history = usageHistory(request, providerName, resume);
        AgentStream stream = codex
                ? new CodexStream(
                        model,
                        resume != null,
                        !yolo,
                        "run" + request.attempt() + ":",
                        history,
                        new CodexRollout(home, resume),
                        json)
                : new ClaudeStream(resume != null, history);
        return new AgentRun(
                codex ? CodexStream.PROVIDER : ClaudeStream.PROVIDER,
                label,
                argv,
                environment.forAgent(extra),
                request.cwd(),
                promptFile,
                home,
                properties.timeout(),
                model,
                resume,
                prompt.source(),
                credential,
                secrets,
                stream,
                credentials,
                json,
                baseUrl);
    }

    /** {@code <workspace root>/.agent-state}: beside the task workspaces, never inside one (task ids are UUIDs). */
    Path stateRoot() {
        return runner.workspaceRoot().toAbsolutePath().normalize().resolve(".agent-state");
    }

    /** The task's agent state, {@code <workspace root>/.agent-state/<taskId>}: its agents' homes and sessions. */
    public Path stateDirectory(java.util.UUID taskId) {
        return stateRoot().resolve(taskId.toString());
    }

    /** The prompt and where it came from. */
    record Prompt(String text, String source) {}

    /**
     * The agent's prompt: the run's own prompt (a follow-up's, or one given to {@code POST /api/runs}), else
     * {@code config.agent.prompt}, else the task's prompt. {@code runs.prompt} always holds something (the API copies
     * the task's prompt into it when the request has none), so "the run's own" means: a follow-up's, or one that
     * differs from the task's.
     */
    static Prompt prompt(AgentRequest request) {
        String run = blankToNull(request.runPrompt());
        String task = blankToNull(request.taskPrompt());
        String configured = blankToNull(request.agent().prompt());
        if (run != null && "follow_up".equals(request.source())) {
            return new Prompt(run, "follow_up");
        }
        if (run != null && !run.equals(task)) {
            return new Prompt(run, "run");
        }
        if (configured != null) {
            return new Prompt(configured, "agent_config");
        }
        if (task != null) {
            return new Prompt(task, "task");
        }
        throw new AgentException(
                "agent_prompt_missing",
                "The agent has no prompt: give the task a prompt, set config.agent.prompt, or pass a prompt to"
                        + " POST /api/runs.");
    }

    /** The session the task's latest earlier run of this provider announced, if any. */
    private String previousSession(AgentRequest request, String provider) {
        return db.sql("""
                        SELECT e.payload ->> 'sessionId'
                          FROM runs r JOIN run_events e ON e.run_id = r.id
                         WHERE r.task_id = :task AND r.attempt < :attempt
                           AND e.event_type = 'agent.session.started' AND e.payload ->> 'provider' = :provider
                         ORDER BY r.attempt DESC, e.sequence DESC
                         LIMIT 1""")
                .param("task", request.taskId())
                .param("attempt", request.attempt())
                .param("provider", provider)
                .query(String.class)
                .optional()
                .filter(id -> SESSION_ID.matcher(id).matches())
                .orElse(null);
    }

    /**
     * What the task's earlier runs used (the sum of their own figures), and the resumed session's totals after the
     * run that last reported on it, from their {@code agent.usage} events.
     */
    private AgentUsage.History usageHistory(AgentRequest request, String provider, String resumedSession) {
        List<String> earlier = db.sql("""
                        SELECT e.payload::text
                          FROM runs r JOIN run_events e ON e.run_id = r.id
                         WHERE r.task_id = :task AND r.attempt < :attempt AND e.event_type = 'agent.usage'
                         ORDER BY r.attempt, e.sequence""")
                .param("task", request.taskId())
                .param("attempt", request.attempt())
                .query(String.class)
                .list();
        AgentUsage task = AgentUsage.ZERO;
        AgentUsage session = null;
        for (String text : earlier) {
            JsonNode payload = json.readTree(text);
            task = task.plus(AgentUsage.of(payload));
            if (resumedSession != null
                    && provider.equals(AgentEvent.text(payload, "provider"))
                    && resumedSession.equals(AgentEvent.text(payload, "sessionId"))) {
                // Events from before per-run figures name no session, so a session they reported on starts from zero.
                session = AgentUsage.of(payload.get("session"));
            }
        }
        return new AgentUsage.History(session, task);
    }

    /** Whether this process runs as root (uid 0), read from the owner of {@code /proc/self}. */
    public static boolean runningAsRoot() {
        try {
            return Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return "root".equals(System.getProperty("user.name"));
        }
    }

    /** {@code name} itself when it has a slash, else the first match on {@code path}; it must be executable. */
    static Optional<Path> findExecutable(String name, String path) {
        if (name.contains("/")) {
            Path file = Path.of(name).toAbsolutePath().normalize();
            return Files.isRegularFile(file) && Files.isExecutable(file) ? Optional.of(file) : Optional.empty();
        }
        for (String directory : (path == null ? "" : path).split(File.pathSeparator)) {
            if (directory.isEmpty()) {
                continue;
            }
            Path file = Path.of(directory, name).toAbsolutePath().normalize();
            if (Files.isRegularFile(file) && Files.isExecutable(file)) {
                return Optional.of(file);
            }
        }
        return Optional.empty();
    }

    private static void privateDirectory(Path directory) throws IOException {
        Files.createDirectories(directory);
        Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwx------"));
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value;
    }
}
