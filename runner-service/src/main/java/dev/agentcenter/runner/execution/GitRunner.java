package dev.agentcenter.runner.execution;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * Runs the {@code git} binary for {@link GitWorkspace}: a minimal environment, no prompts, a timeout, the repository
 * token handed over without ever touching the disk or the output, and nothing of the workspace's own git setup that
 * could run a program or send the token elsewhere.
 *
 * <p>The token reaches git through {@code GIT_ASKPASS}: a small script, created per command in a private temporary
 * directory outside the workspace and deleted afterwards, that answers exactly two prompts, git's username and password
 * prompts for the pinned remote's {@code scheme://host[:port]}, with {@code x-access-token} and an environment variable
 * of that git process. Any other prompt (a redirect to another host, a rewritten URL) gets nothing and git fails. The
 * script holds no secret, the remote URL holds none, so nothing is written to {@code .git/config}.
 *
 * <p>The workspace belongs to the run's commands and agent, {@code .git} included, and so does the runner user's home
 * when there is no sandbox. So every git call (issue 12, finding 5):
 *
 * <ul>
 *   <li>reads no system or global config ({@code GIT_CONFIG_NOSYSTEM}, {@code GIT_CONFIG_GLOBAL=/dev/null}): a command
 *       can write {@code ~/.gitconfig} as easily as {@code .git/config};
 *   <li>overrides on its command line every single-valued key that names a program ({@link #SAFE_OVERRIDES}: hooks,
 *       fsmonitor, ssh, credential helpers, pager, editors, gpg, external diff) and turns off what would start git
 *       again in the background (auto gc, maintenance) or in submodules. {@code -c} has the highest precedence and is
 *       passed on to every git process git starts;
 *   <li>allows only the pinned remote's transport ({@code GIT_ALLOW_PROTOCOL}, which overrides any {@code
 *       protocol.*.allow} in the config);
 *   <li>is the {@code git} found on the runner's own {@code PATH} when the runner started ({@link #EXECUTABLE}), not
 *       whatever a command put on a {@code PATH} since.
 * </ul>
 *
 * What {@code -c} cannot override (keys with a free-form middle part: {@code filter.<driver>.*}, {@code
 * url.<base>.insteadOf}, {@code include.path}, {@code http.<url>.*}, …) is handled by {@link GitWorkspace}, which
 * refuses (or, before a run, removes) every repository config key it does not know to be harmless.
 */
final class GitRunner {

    static final String TOKEN_VARIABLE = "AGENT_CENTER_GIT_PASSWORD";
    static final String USERNAME_PROMPT_VARIABLE = "AGENT_CENTER_GIT_USERNAME_PROMPT";
    static final String PASSWORD_PROMPT_VARIABLE = "AGENT_CENTER_GIT_PASSWORD_PROMPT";
    static final String TOKEN_USERNAME = "x-access-token";
    static final String REDACTED = "[REDACTED]";
    private static final int TAIL_LINES = 8;

    /**
     * Compares git's whole prompt with the two it expects (git asks {@code "Username for 'https://host': "}, then
     * {@code "Password for 'https://x-access-token@host': "}); the comparison is a string test, so nothing in a prompt
     * is ever evaluated.
     */
    static final String ASKPASS_SCRIPT =
            """
            #!/bin/sh
            if [ "$1" = "$%s" ]; then
              echo %s
            elif [ "$1" = "$%s" ]; then
              printf '%%s\\n' "$%s"
            else
              exit 1
            fi
            """.formatted(USERNAME_PROMPT_VARIABLE, TOKEN_USERNAME, PASSWORD_PROMPT_VARIABLE, TOKEN_VARIABLE);

    /**
     * Given to every git call before its subcommand. An empty {@code credential.helper} clears the list of helpers;
     * an empty {@code diff.external} turns the external diff off (the diffs also pass {@code --no-ext-diff}); a
     * program set to {@code false} fails instead of running anything. {@code core.askPass} needs no override: {@code
     * GIT_ASKPASS}, always set, takes precedence over it.
     */
    static final List<String> SAFE_OVERRIDES = List.of(
            "core.hooksPath=/dev/null",
            "core.fsmonitor=false",
            "core.sshCommand=false",
            "credential.helper=",
            "core.pager=cat",
            "core.editor=false",
            "sequence.editor=false",
            "diff.external=",
            "gpg.program=false",
            "gpg.openpgp.program=false",
            "gpg.ssh.program=false",
            "gpg.x509.program=false",
            "commit.gpgSign=false",
            "tag.gpgSign=false",
            "push.gpgSign=false",
            "submodule.recurse=false",
            "fetch.recurseSubmodules=false",
            "push.recurseSubmodules=no",
            "gc.auto=0",
            "maintenance.auto=false");

    /** The keys of {@link #SAFE_OVERRIDES}, lower case as {@code git config --list} prints them. */
    static final java.util.Set<String> OVERRIDDEN_KEYS = SAFE_OVERRIDES.stream()
            .map(setting -> setting.substring(0, setting.indexOf('=')).toLowerCase(Locale.ROOT))
            .collect(java.util.stream.Collectors.toUnmodifiableSet());

    /**
     * The {@code git} binary: an absolute path found on the runner's own {@code PATH} when this class is first used
     * (the runner resolves it at start), else plain {@code git}.
     */
    static final String EXECUTABLE = findExecutable(System.getenv("PATH"));

    private final Path directory;
    private final Duration timeout;
    private final Remote remote;

    /**
     * @param remoteUrl the pinned remote, or {@code null} for a workspace without one (then no token is ever given to
     *     git and no transport is allowed)
     */
    GitRunner(Path directory, Duration timeout, String remoteUrl) {
        this.directory = directory;
        this.timeout = timeout;
        this.remote = remoteUrl == null ? null : Remote.of(remoteUrl);
    }

    /**
     * Where the token may go: the scheme (the only transport git may use) and git's two credential prompts for its
     * host. A URL without a host (a {@code file://} path) gets prompts nothing will ever match.
     */
    record Remote(String url, String scheme, String usernamePrompt, String passwordPrompt) {
        static Remote of(String url) {
            String scheme = "none";
            String hostPort = null;
            try {
                URI uri = new URI(url);
                if (uri.getScheme() != null) {
                    scheme = uri.getScheme().toLowerCase(Locale.ROOT);
                }
                String authority = uri.getRawAuthority();
                if (authority != null && !authority.isEmpty()) {
                    hostPort = authority.substring(authority.lastIndexOf('@') + 1);
                }
            } catch (URISyntaxException e) {
                // scp-like "git@host:owner/repo": ssh, which the runner never gives a token to
                scheme = "ssh";
            }
            if (hostPort == null || !(scheme.equals("https") || scheme.equals("http"))) {
                return new Remote(url, scheme, null, null);
            }
            return new Remote(
                    url,
                    scheme,
                    "Username for '" + scheme + "://" + hostPort + "': ",
                    "Password for '" + scheme + "://" + TOKEN_USERNAME + "@" + hostPort + "': ");
        }
    }

    /** The pinned remote's URL; throws when the workspace has none. */
    String remoteUrl() {
        if (remote == null) {
            throw new IllegalStateException("This workspace has no pinned remote");
        }
        return remote.url();
    }

    /** What a captured command printed on stdout (cut at the limit) and how it exited. */
    record Captured(int exitCode, byte[] stdout, boolean truncated, List<String> tail) {
        String text() {
            return new String(stdout, java.nio.charset.StandardCharsets.UTF_8).strip();
        }
    }

    /**
     * Runs a command whose output is for people (clone, fetch, checkout): every line goes to {@code sink}, with the
     * token removed. Throws {@link GitException} unless it exits 0.
     */
    void stream(String step, List<String> args, String token, ShellCommand.OutputSink sink) {
        stream(step, args, token, sink, null);
    }

    /**
     * Like {@link #stream(String, List, String, ShellCommand.OutputSink)}, and stopped (TERM, then KILL) once {@code
     * stop} completes, already completed included; then it throws a {@link GitException} saying so.
     *
     * @param stop {@code null}: never stopped, only timed out
     */
    void stream(String step, List<String> args, String token, ShellCommand.OutputSink sink, CompletableFuture<?> stop) {
        withAskpass(token, env -> {
            Tail tail = new Tail(token);
            ShellCommand.OutputSink forward = (stream, line) -> {
                String clean = tail.add(stream, line);
                if (sink != null) {
                    sink.line(stream, clean);
                }
            };
            ShellCommand.Outcome outcome;
            CompletableFuture<?> stopping = null;
            try {
                ShellCommand.Running running = ShellCommand.startInGroup(
                        argv(args), directory, env, timeout, ShellCommand.TIMEOUT_GRACE, forward);
                if (stop != null) {
                    stopping = stop.thenRun(() -> running.cancel(ShellCommand.TIMEOUT_GRACE));
                }
                outcome = running.await();
            } catch (IOException e) {
                throw new UncheckedIOException("Could not start git", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new GitException("git " + step + " was interrupted", GitException.DEFAULT_HINT, tail.lines());
            } finally {
                if (stopping != null) {
                    stopping.cancel(false); // ended: a later stop has nothing to stop
                }
            }
            if (outcome.timedOut()) {
                throw GitException.timedOut(step, timeout, tail.lines());
            }
            if (outcome.cancelled()) {
                throw new GitException(
                        "git " + step + " was stopped: the run is stopping", GitException.DEFAULT_HINT, tail.lines());
            }
            if (outcome.exitCode() != 0) {
                throw GitException.failed(step, outcome.exitCode(), tail.lines());
            }
        });
    }

    /**
     * Runs a command whose output is data (rev-parse, diff), keeping at most {@code limit} bytes of stdout; more is
     * read and dropped so git never blocks on a full pipe. Throws on timeout, and on a non-zero exit unless {@code
     * allowFailure}.
     */
    Captured capture(String step, List<String> args, Map<String, String> extraEnv, long limit, boolean allowFailure) {
        Map<String, String> env = new HashMap<>(environment(null));
        env.putAll(extraEnv);
        ProcessBuilder builder = new ProcessBuilder(argv(args))
                .directory(directory.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        builder.environment().clear();
        builder.environment().putAll(env);
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("Could not start git", e);
        }
        Tail tail = new Tail(null);
        LineReader errors =
                new LineReader(ShellCommand.MAX_LINE_BYTES, line -> tail.add(ShellCommand.Stream.STDERR, line));
        Thread errorReader = Thread.ofVirtual().start(() -> {
            try (InputStream in = process.getErrorStream()) {
                errors.pump(in);
            } catch (IOException e) {
                // the process is gone
            }
        });
        AtomicBoolean timedOut = new AtomicBoolean();
        Thread watchdog = Thread.ofVirtual().start(() -> {
            try {
                if (!process.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
                    timedOut.set(true);
                    process.descendants().forEach(ProcessHandle::destroyForcibly);
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                // finished in time
            }
        });
        try {
            ByteArrayOutputStream kept = new ByteArrayOutputStream();
            boolean truncated = false;
            try (InputStream in = process.getInputStream()) {
                byte[] buffer = new byte[65536];
                int read;
                while ((read = in.read(buffer)) != -1) {
                    long room = limit - kept.size();
                    if (read > room) {
                        truncated = true;
                    }
                    if (room > 0) {
                        kept.write(buffer, 0, (int) Math.min(room, read));
                    }
                }
            }
            int exitCode = process.waitFor();
            errorReader.join();
            if (timedOut.get()) {
                throw GitException.timedOut(step, timeout, tail.lines());
            }
            if (exitCode != 0 && !allowFailure) {
                throw GitException.failed(step, exitCode, tail.lines());
            }
            return new Captured(exitCode, kept.toByteArray(), truncated, tail.lines());
        } catch (IOException e) {
            throw new UncheckedIOException("Could not read the output of git " + step, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            throw new GitException("git " + step + " was interrupted", GitException.DEFAULT_HINT, tail.lines());
        } finally {
            watchdog.interrupt();
        }
    }

    Captured capture(String step, List<String> args) {
        return capture(step, args, Map.of(), Integer.MAX_VALUE, false);
    }

    private static List<String> argv(List<String> args) {
        List<String> argv = new ArrayList<>(args.size() + 2 + 2 * SAFE_OVERRIDES.size());
        argv.add(EXECUTABLE);
        argv.add("--no-pager");
        for (String setting : SAFE_OVERRIDES) {
            argv.add("-c");
            argv.add(setting);
        }
        // With a sandbox the workspace belongs to the sandbox's uid, not to the runner: git's ownership check would
        // refuse it. The check guards against a repository's config running programs, which is handled above and by
        // GitWorkspace's refusal of unknown repository config, so it is turned off for the runner's own calls.
        argv.add("-c");
        argv.add("safe.directory=*");
        argv.addAll(args);
        return argv;
    }

    /**
     * The environment of a git process. {@code GIT_CEILING_DIRECTORIES} stops git from looking above the workspace,
     * so a workspace root that happens to lie inside another repository is never mistaken for that repository.
     */
    private Map<String, String> environment(Map<String, String> credentials) {
        Map<String, String> extra = new HashMap<>();
        extra.put("GIT_TERMINAL_PROMPT", "0");
        extra.put("LC_ALL", "C"); // the hints match git's English messages
        extra.put("GIT_ASKPASS", "false"); // no token: fail at once instead of asking anyone
        extra.put("GIT_CONFIG_NOSYSTEM", "1");
        extra.put("GIT_CONFIG_GLOBAL", "/dev/null");
        extra.put("GIT_ATTR_NOSYSTEM", "1");
        extra.put("GIT_NO_REPLACE_OBJECTS", "1"); // replace refs could make a diff show something else
        extra.put("GIT_PAGER", "cat");
        extra.put("GIT_EDITOR", "false");
        extra.put("GIT_SSH_COMMAND", "false");
        // Only the pinned remote's transport; overrides protocol.*.allow wherever it is set.
        extra.put("GIT_ALLOW_PROTOCOL", remote == null ? "none" : remote.scheme());
        Path parent = directory.toAbsolutePath().normalize().getParent();
        if (parent != null) {
            extra.put("GIT_CEILING_DIRECTORIES", realPath(parent).toString());
        }
        if (credentials != null) {
            extra.putAll(credentials);
        }
        return ChildEnvironment.build(System.getenv(), extra);
    }

    private void withAskpass(String token, Consumer<Map<String, String>> action) {
        if (token == null || token.isEmpty() || remote == null || remote.usernamePrompt() == null) {
            // Nothing to give, or nowhere it may go (a file:// remote never asks).
            action.accept(environment(null));
            return;
        }
        Path askpassDirectory = null;
        try {
            askpassDirectory = Files.createTempDirectory(
                    "agent-center-askpass-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            Path script = askpassDirectory.resolve("askpass.sh");
            Files.writeString(script, ASKPASS_SCRIPT);
            Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
            action.accept(environment(Map.of(
                    "GIT_ASKPASS",
                    script.toString(),
                    TOKEN_VARIABLE,
                    token,
                    USERNAME_PROMPT_VARIABLE,
                    remote.usernamePrompt(),
                    PASSWORD_PROMPT_VARIABLE,
                    remote.passwordPrompt())));
        } catch (IOException e) {
            throw new UncheckedIOException("Could not prepare git credentials", e);
        } finally {
            deleteQuietly(askpassDirectory);
        }
    }

    private static void deleteQuietly(Path askpassDirectory) {
        if (askpassDirectory == null) {
            return;
        }
        try {
            Files.deleteIfExists(askpassDirectory.resolve("askpass.sh"));
            Files.deleteIfExists(askpassDirectory);
        } catch (IOException e) {
            // It holds no secret; a leftover empty script is harmless.
        }
    }

    static Path realPath(Path path) {
        try {
            return path.toRealPath();
        } catch (IOException e) {
            return path.toAbsolutePath().normalize();
        }
    }

    /** The first executable {@code git} on {@code path}, as an absolute path; plain {@code git} when there is none. */
    static String findExecutable(String path) {
        if (path != null) {
            for (String entry : path.split(File.pathSeparator)) {
                if (entry.isEmpty()) {
                    continue;
                }
                Path candidate = Path.of(entry, "git");
                if (candidate.isAbsolute() && Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                    return candidate.toString();
                }
            }
        }
        return "git";
    }

    /** The last lines of each stream, token removed; stderr is preferred, as git reports problems there. */
    private static final class Tail {
        private final String token;
        private final Deque<String> stdout = new ArrayDeque<>();
        private final Deque<String> stderr = new ArrayDeque<>();

        Tail(String token) {
            this.token = token == null || token.isEmpty() ? null : token;
        }

        synchronized String add(ShellCommand.Stream stream, String line) {
            String clean = token == null ? line : line.replace(token, REDACTED);
            Deque<String> lines = stream == ShellCommand.Stream.STDERR ? stderr : stdout;
            lines.addLast(clean);
            if (lines.size() > TAIL_LINES) {
                lines.removeFirst();
            }
            return clean;
        }

        synchronized List<String> lines() {
            return List.copyOf(stderr.isEmpty() ? stdout : stderr);
        }
    }
}
