package dev.agentcenter.runner.execution;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * Runs the {@code git} binary for {@link GitWorkspace}: a minimal environment, no prompts, a timeout, and the
 * repository token handed over without ever touching the disk or the output.
 *
 * <p>The token reaches git through {@code GIT_ASKPASS}: a small script, created per command in a private temporary
 * directory outside the workspace and deleted afterwards, that answers the username prompt with {@code x-access-token}
 * and the password prompt with an environment variable of that git process. The script holds no secret, the remote
 * URL holds none, so nothing is written to {@code .git/config}. {@code credential.helper} is reset for every command,
 * so a helper configured on the host can neither store the token nor lend the host's own credentials to a task.
 */
final class GitRunner {

    static final String TOKEN_VARIABLE = "AGENT_CENTER_GIT_PASSWORD";
    static final String TOKEN_USERNAME = "x-access-token";
    static final String REDACTED = "[REDACTED]";
    private static final int TAIL_LINES = 8;
    private static final String ASKPASS_SCRIPT = """
            #!/bin/sh
            case "$1" in
              [Uu]sername*) echo %s ;;
              *) printf '%%s\\n' "$%s" ;;
            esac
            """.formatted(TOKEN_USERNAME, TOKEN_VARIABLE);

    private final Path directory;
    private final Duration timeout;

    GitRunner(Path directory, Duration timeout) {
        this.directory = directory;
        this.timeout = timeout;
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
        withAskpass(token, env -> {
            Tail tail = new Tail(token);
            ShellCommand.OutputSink forward = (stream, line) -> {
                String clean = tail.add(stream, line);
                if (sink != null) {
                    sink.line(stream, clean);
                }
            };
            ShellCommand.Outcome outcome;
            try {
                outcome = ShellCommand.startInGroup(
                                argv(args), directory, env, timeout, ShellCommand.TIMEOUT_GRACE, forward)
                        .await();
            } catch (IOException e) {
                throw new UncheckedIOException("Could not start git", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new GitException("git " + step + " was interrupted", GitException.DEFAULT_HINT, tail.lines());
            }
            if (outcome.timedOut()) {
                throw GitException.timedOut(step, timeout, tail.lines());
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
        List<String> argv = new ArrayList<>(args.size() + 3);
        argv.add("git");
        argv.add("-c");
        argv.add("credential.helper=");
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
        if (token == null || token.isEmpty()) {
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
            action.accept(environment(Map.of("GIT_ASKPASS", script.toString(), TOKEN_VARIABLE, token)));
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
