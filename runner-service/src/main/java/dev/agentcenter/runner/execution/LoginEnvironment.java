package dev.agentcenter.runner.execution;

import dev.agentcenter.runner.RunnerProperties;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * The environment the runner user's login shell builds (the {@code PATH} of version managers, variables exported by
 * {@code ~/.profile}, …), resolved once instead of by a login shell per command.
 *
 * <p>A login shell per command ({@code bash -lc}) costs the whole profile on every command: 130–200 ms on a machine
 * whose profile sets up pyenv and cargo, most of a one-command run. So the runner starts the login shell once,
 * {@code <first word of RUNNER_SHELL> -l -c 'env -0 > <private file>'}, with exactly the allowlisted environment a
 * command would get ({@link ChildEnvironment#allowlisted}), reads back what it exported, and runs each command with
 * the plain shell ({@code bash -c}) in that environment. {@code env -0} separates variables with NUL, so values with
 * newlines survive, and writing to a file keeps whatever the profile prints on its own apart from the environment.
 *
 * <p>What is kept: every variable the login shell exported, except the runner's secret names ({@link
 * ChildEnvironment#RUNNER_SECRETS}, whatever the profile does) and the shell's own bookkeeping ({@code SHLVL},
 * {@code PWD}, {@code OLDPWD}, {@code _}, …). The shell never saw anything of the runner's environment beyond the
 * allowlist, so nothing else of it can come back through this path. The command's own variables still override.
 * Functions and aliases the profile defines without exporting them are not part of an environment and are lost (a
 * command that needs {@code nvm use} sources {@code nvm.sh} itself).
 *
 * <p>When it is resolved again: before each use the runner compares the size, modification time and inode of the
 * usual profile files ({@link #WATCHED_SYSTEM_FILES}, {@code /etc/profile.d/*} and {@link #WATCHED_HOME_FILES} in
 * {@code HOME}), a few {@code stat} calls; when any differs, the next command waits for a fresh resolution. Files
 * those source ({@code ~/.cargo/env}, {@code ~/.nvm/…}) are not watched: {@code POST /internal/environment/refresh}
 * resolves on demand.
 *
 * <p>When it fails (the profile exits non-zero, prints no environment, or runs longer than {@link
 * #RESOLVE_TIMEOUT}, after which its process group is killed), commands get the plain allowlisted environment and a
 * WARN says why; it is tried again when a watched file changes or on a refresh.
 *
 * <p>Not used for commands when {@code RUNNER_SHELL} is itself a login shell ({@code bash -lc}: the profile is
 * sourced by every command, as before) nor when {@code RUNNER_LOGIN_ENVIRONMENT=false}. Coding agents, which start
 * from an argument vector and never through a shell, get it whenever {@code RUNNER_LOGIN_ENVIRONMENT} is true, so a
 * CLI a version manager installed is found on the resolved {@code PATH}.
 */
@Component
public final class LoginEnvironment implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(LoginEnvironment.class);

    /** How long the login shell may take before it is killed and the plain environment is used. */
    public static final Duration RESOLVE_TIMEOUT = Duration.ofSeconds(15);

    /** System-wide files a bash, sh or zsh login shell reads. */
    static final List<Path> WATCHED_SYSTEM_FILES = List.of(
            Path.of("/etc/profile"),
            Path.of("/etc/bash.bashrc"),
            Path.of("/etc/bashrc"),
            Path.of("/etc/zshenv"),
            Path.of("/etc/zprofile"),
            Path.of("/etc/zlogin"),
            Path.of("/etc/zsh/zshenv"),
            Path.of("/etc/zsh/zprofile"),
            Path.of("/etc/zsh/zlogin"));

    /** The directory whose {@code *.sh} files {@code /etc/profile} sources; each entry is watched. */
    static final Path PROFILE_D = Path.of("/etc/profile.d");

    /** Files in {@code HOME} a bash, sh or zsh login shell reads. */
    static final List<String> WATCHED_HOME_FILES =
            List.of(".profile", ".bash_profile", ".bash_login", ".bashrc", ".zshenv", ".zprofile", ".zlogin", ".zshrc");

    /** Variables the shell maintains for itself; they describe the resolving shell, not the user's setup. */
    static final Set<String> SHELL_INTERNALS =
            Set.of("SHLVL", "PWD", "OLDPWD", "_", "SHELLOPTS", "BASHOPTS", "PS1", "PS2", "PS4");

    /**
     * Dropped from a coding agent's resolved environment: which credential an agent uses is chosen by the runner
     * (stored credential or the runner's own key), and a key the profile exports must not silently win over it.
     */
    static final Set<String> AGENT_CREDENTIAL_NAMES =
            Set.of("OPENAI_API_KEY", "CODEX_API_KEY", "ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN");

    private static final String PATH_VARIABLE = "PATH";
    private static final String HOME_VARIABLE = "HOME";
    private static final Duration KILL_GRACE = Duration.ofSeconds(2);
    private static final int MAX_REASON_LINES = 5;
    private static final int MAX_REASON_LINE_CHARS = 200;
    /** A short option cluster holding {@code l} ({@code -l}, {@code -lc}, {@code -il}) or {@code --login}. */
    private static final Pattern LOGIN_FLAG = Pattern.compile("-[A-Za-z]*l[A-Za-z]*|--login");

    /** Where the environment of commands and agents comes from. */
    public enum Source {
        /** Resolved by the login shell. */
        LOGIN_SHELL,
        /** Resolving failed: the runner's allowlisted environment. */
        FALLBACK,
        /** {@code RUNNER_LOGIN_ENVIRONMENT=false}: the runner's allowlisted environment, nothing resolved. */
        DISABLED
    }

    /**
     * One resolution.
     *
     * @param variables the environment, before a command's own variables; unmodifiable and sorted
     * @param source where it came from
     * @param reason why it is not {@link Source#LOGIN_SHELL}'s; {@code null} when it is
     * @param resolvedAt when the resolution ended
     * @param took how long it took
     */
    public record Snapshot(
            Map<String, String> variables, Source source, String reason, Instant resolvedAt, Duration took) {}

    private final List<String> shell;
    private final boolean enabled;
    private final Map<String, String> runnerEnvironment;
    private final Duration timeout;
    private final Clock clock;
    private final boolean loginShellPerCommand;
    private final List<String> loginShell;
    private final ReentrantLock resolving = new ReentrantLock();
    /** The last resolution and the watched files' state taken just before it; one field, so both change together. */
    private volatile Cached cached;

    private volatile boolean running;

    private record Cached(Snapshot snapshot, List<Object> fingerprint) {}

    @Autowired
    public LoginEnvironment(RunnerProperties runner, Clock clock) {
        this(runner.shellCommand(), runner.loginEnvironment(), System.getenv(), RESOLVE_TIMEOUT, clock);
    }

    /**
     * @param shell {@code RUNNER_SHELL} as an argument list, e.g. {@code [bash, -c]}
     * @param enabled {@code RUNNER_LOGIN_ENVIRONMENT}
     * @param runnerEnvironment the runner's own environment; only its allowlisted part reaches the login shell
     * @param timeout how long the login shell may take
     */
    public LoginEnvironment(
            List<String> shell, boolean enabled, Map<String, String> runnerEnvironment, Duration timeout, Clock clock) {
        if (shell.isEmpty()) {
            throw new IllegalArgumentException("shell must not be empty");
        }
        this.shell = List.copyOf(shell);
        this.enabled = enabled;
        this.runnerEnvironment = Map.copyOf(runnerEnvironment);
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.loginShellPerCommand = isLoginShell(this.shell);
        this.loginShell = List.of(this.shell.getFirst(), "-l", "-c");
    }

    /** True when {@code shell} starts a login shell itself ({@code bash -lc}, {@code bash --login -c}, …). */
    public static boolean isLoginShell(List<String> shell) {
        return shell.stream().skip(1).anyMatch(arg -> LOGIN_FLAG.matcher(arg).matches());
    }

    /** The complete environment of a command: the resolved one (or the allowlist) plus the command's own. */
    public Map<String, String> forCommand(Map<String, String> extra) {
        if (!enabled || loginShellPerCommand) {
            // A login shell per command sources the profile itself; giving it the resolved environment as well
            // would run the profile on top of its own results.
            return ChildEnvironment.build(runnerEnvironment, extra);
        }
        return ChildEnvironment.overlay(current().variables(), extra);
    }

    /**
     * The complete environment of a coding agent: the resolved one (or the allowlist) without credential variables
     * the profile may export, plus the agent's own (its credential, its state directory).
     */
    public Map<String, String> forAgent(Map<String, String> extra) {
        if (!enabled) {
            return ChildEnvironment.build(runnerEnvironment, extra);
        }
        Map<String, String> base = new TreeMap<>(current().variables());
        base.keySet().removeAll(AGENT_CREDENTIAL_NAMES);
        return ChildEnvironment.overlay(base, extra);
    }

    /** True when commands run in the resolved environment rather than the allowlist. */
    public boolean appliesToCommands() {
        return enabled && !loginShellPerCommand;
    }

    /** The shell that resolves, e.g. {@code bash -l -c}. */
    public String loginShellDescription() {
        return String.join(" ", loginShell);
    }

    /**
     * The current resolution: the cached one while no watched profile file changed, else a fresh one (callers wait
     * for it; concurrent callers share it).
     */
    public Snapshot current() {
        if (!enabled) {
            Cached disabled = cached;
            if (disabled == null) {
                disabled = new Cached(
                        new Snapshot(
                                ChildEnvironment.build(runnerEnvironment, Map.of()),
                                Source.DISABLED,
                                "RUNNER_LOGIN_ENVIRONMENT is false",
                                clock.instant(),
                                Duration.ZERO),
                        List.of());
                cached = disabled;
            }
            return disabled.snapshot();
        }
        List<Object> fingerprint = fingerprint();
        Cached last = cached;
        if (last != null && fingerprint.equals(last.fingerprint())) {
            return last.snapshot();
        }
        resolving.lock();
        try {
            // Another caller may have resolved while this one waited; the fingerprint is taken again because a file
            // may also have changed meanwhile.
            fingerprint = fingerprint();
            last = cached;
            if (last != null && fingerprint.equals(last.fingerprint())) {
                return last.snapshot();
            }
            return resolveLocked(fingerprint, last == null ? "start" : "a profile file changed");
        } finally {
            resolving.unlock();
        }
    }

    /** Resolves again now, whether or not a watched file changed. */
    public Snapshot refresh() {
        if (!enabled) {
            return current();
        }
        resolving.lock();
        try {
            return resolveLocked(fingerprint(), "refresh requested");
        } finally {
            resolving.unlock();
        }
    }

    private Snapshot resolveLocked(List<Object> fingerprint, String why) {
        // The fingerprint is taken before the shell reads the files: a change during the resolution is seen next time.
        Snapshot snapshot = resolve();
        cached = new Cached(snapshot, fingerprint);
        if (snapshot.source() == Source.LOGIN_SHELL) {
            log.info(
                    "Login environment resolved by `{}` ({}) in {} ms: {} variables, PATH={}",
                    loginShellDescription(),
                    why,
                    snapshot.took().toMillis(),
                    snapshot.variables().size(),
                    snapshot.variables().get(PATH_VARIABLE));
        } else {
            log.warn(
                    "Login environment not resolved by `{}` ({}): {}. Commands and agents get the runner's"
                            + " allowlisted environment until a profile file changes or a refresh succeeds.",
                    loginShellDescription(),
                    why,
                    snapshot.reason());
        }
        return snapshot;
    }

    private Snapshot resolve() {
        long start = System.nanoTime();
        Map<String, String> input = ChildEnvironment.build(runnerEnvironment, Map.of());
        Path output = null;
        Deque<String> stderr = new ArrayDeque<>();
        try {
            output = Files.createTempFile(
                    "agent-center-login-env-",
                    ".bin",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            List<String> argv = new ArrayList<>(loginShell);
            argv.add("env -0 > " + singleQuoted(output.toString()));
            ShellCommand.Running running = ShellCommand.startInGroup(
                    argv, workingDirectory(input), input, timeout, KILL_GRACE, (stream, line) -> {
                        if (stream == ShellCommand.Stream.STDERR) {
                            synchronized (stderr) {
                                stderr.addLast(
                                        line.length() > MAX_REASON_LINE_CHARS
                                                ? line.substring(0, MAX_REASON_LINE_CHARS) + "…"
                                                : line);
                                if (stderr.size() > MAX_REASON_LINES) {
                                    stderr.removeFirst();
                                }
                            }
                        }
                    });
            ShellCommand.Outcome outcome = running.await();
            if (outcome.timedOut()) {
                return fallback(start, "it did not finish within " + timeout.toSeconds() + " s and was killed");
            }
            if (outcome.exitCode() != 0) {
                return fallback(start, "it exited with code " + outcome.exitCode() + stderrTail(stderr));
            }
            Map<String, String> variables = parse(Files.readAllBytes(output));
            if (variables.isEmpty()) {
                return fallback(start, "it printed no environment" + stderrTail(stderr));
            }
            return new Snapshot(
                    ChildEnvironment.overlay(variables, Map.of()),
                    Source.LOGIN_SHELL,
                    null,
                    clock.instant(),
                    Duration.ofNanos(System.nanoTime() - start));
        } catch (IOException e) {
            return fallback(start, "it could not be started: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return fallback(start, "the runner was interrupted while waiting for it");
        } finally {
            if (output != null) {
                try {
                    Files.deleteIfExists(output);
                } catch (IOException e) {
                    log.debug("Could not delete {}", output, e);
                }
            }
        }
    }

    /**
     * {@code NAME=value} entries separated by NUL, as {@code env -0} prints them. Entries without a name, the shell's
     * bookkeeping and the runner's secret names are dropped.
     */
    static Map<String, String> parse(byte[] environment) {
        Map<String, String> variables = new TreeMap<>();
        int from = 0;
        for (int i = 0; i <= environment.length; i++) {
            if (i == environment.length || environment[i] == 0) {
                if (i > from) {
                    String entry = new String(environment, from, i - from, StandardCharsets.UTF_8);
                    int equals = entry.indexOf('=');
                    if (equals > 0) {
                        String name = entry.substring(0, equals);
                        if (keep(name)) {
                            variables.put(name, entry.substring(equals + 1));
                        }
                    }
                }
                from = i + 1;
            }
        }
        return variables;
    }

    private static boolean keep(String name) {
        return !SHELL_INTERNALS.contains(name) && !ChildEnvironment.RUNNER_SECRETS.contains(name);
    }

    private Snapshot fallback(long start, String reason) {
        return new Snapshot(
                ChildEnvironment.build(runnerEnvironment, Map.of()),
                Source.FALLBACK,
                reason,
                clock.instant(),
                Duration.ofNanos(System.nanoTime() - start));
    }

    private static String stderrTail(Deque<String> stderr) {
        synchronized (stderr) {
            return stderr.isEmpty() ? "" : "; its last error output: " + String.join(" | ", stderr);
        }
    }

    /** A login shell starts in {@code HOME}; the temporary directory when there is none. */
    private static Path workingDirectory(Map<String, String> input) {
        String home = input.get(HOME_VARIABLE);
        if (home != null && Files.isDirectory(Path.of(home))) {
            return Path.of(home);
        }
        return Path.of(System.getProperty("java.io.tmpdir"));
    }

    private Path home() {
        String home = ChildEnvironment.allowlisted(runnerEnvironment).get(HOME_VARIABLE);
        return Path.of(home == null || home.isBlank() ? System.getProperty("user.home") : home);
    }

    /**
     * What the watched files look like now: for each, its size, modification time and file key (inode), or absence.
     * A few {@code stat} calls, cheap enough to take before every command.
     */
    private List<Object> fingerprint() {
        List<Path> files = new ArrayList<>(WATCHED_SYSTEM_FILES);
        files.add(PROFILE_D);
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(PROFILE_D)) {
            List<Path> sorted = new ArrayList<>();
            entries.forEach(sorted::add);
            Collections.sort(sorted);
            files.addAll(sorted);
        } catch (IOException e) {
            // No /etc/profile.d: nothing in it to watch.
        }
        Path home = home();
        WATCHED_HOME_FILES.forEach(name -> files.add(home.resolve(name)));
        List<Object> fingerprint = new ArrayList<>(files.size());
        for (Path file : files) {
            fingerprint.add(stat(file));
        }
        return fingerprint;
    }

    private static Object stat(Path file) {
        // Most watched files do not exist; asking first avoids an exception for each of them on every command.
        if (!Files.exists(file)) {
            return List.of(file.toString(), "absent");
        }
        try {
            BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
            return List.of(
                    file.toString(),
                    attributes.size(),
                    attributes.lastModifiedTime().toInstant(),
                    String.valueOf(attributes.fileKey()));
        } catch (NoSuchFileException e) {
            return List.of(file.toString(), "absent");
        } catch (IOException e) {
            return List.of(file.toString(), "unreadable");
        }
    }

    private static String singleQuoted(String value) {
        return "'" + value.replace("'", "'\"'\"'") + "'";
    }

    /** Resolves in the background as the runner starts, so the first command rarely waits for the profile. */
    @Override
    public void start() {
        running = true;
        if (enabled) {
            Thread.ofVirtual().name("login-environment").start(this::current);
        }
    }

    @Override
    public void stop() {
        running = false;
    }

    @Override
    public boolean isRunning() {
        return running;
    }
}
