package dev.agentcenter.runner.sandbox;

import dev.agentcenter.runner.RunnerProperties;
import dev.agentcenter.runner.agent.Agents;
import dev.agentcenter.runner.execution.ShellCommand;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Chooses the runner's {@link Sandbox} at start from {@code RUNNER_SANDBOX}: bubblewrap is used only after a probe (a
 * real sandboxed process that must report the sandbox's uid) succeeded; {@code auto} falls back to {@link NoSandbox}
 * with a warning, {@code bubblewrap} refuses to start.
 */
@Configuration(proxyBeanMethods = false)
public class SandboxConfiguration {

    private static final Logger log = LoggerFactory.getLogger(SandboxConfiguration.class);
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(20);

    @Bean
    Sandbox sandbox(SandboxProperties properties, RunnerProperties runner, Confinements confinements) {
        return choose(properties, runner.workspaceRoot(), Agents.runningAsRoot(), confinements);
    }

    /** The sandbox for these settings; throws when {@code bubblewrap} was asked for and does not work. */
    public static Sandbox choose(SandboxProperties properties, Path workspaceRoot, boolean root) {
        return choose(properties, workspaceRoot, root, null);
    }

    /**
     * Like {@link #choose(SandboxProperties, Path, boolean)}, with each run's network and limits ({@code
     * confinements}; null for the host's network and no limits). The probe runs without them.
     */
    public static Sandbox choose(
            SandboxProperties properties, Path workspaceRoot, boolean root, Confinements confinements) {
        if (properties.mode() == SandboxProperties.Mode.NONE) {
            log.warn("RUNNER_SANDBOX=none: runs are NOT isolated; every command and agent runs on this host as the"
                    + " runner's user and sees what it sees. Use this only where a container or VM is the boundary.");
            return new NoSandbox("RUNNER_SANDBOX is none.");
        }
        String failure;
        try {
            failure = probe(
                    bubblewrap(properties, workspaceRoot, root, null), workspaceRoot, root ? properties.uid() : -1);
            if (failure == null) {
                BubblewrapSandbox sandbox = bubblewrap(properties, workspaceRoot, root, confinements);
                log.info(
                        "Runs are isolated with bubblewrap (as uid {})",
                        root ? properties.uid() : "of the runner, in a user namespace");
                return sandbox;
            }
        } catch (IOException e) {
            failure = e.getMessage();
        }
        if (properties.mode() == SandboxProperties.Mode.BUBBLEWRAP) {
            throw new IllegalStateException("RUNNER_SANDBOX=bubblewrap, but bubblewrap does not work here: " + failure);
        }
        log.warn(
                "!!! Runs are NOT isolated: bubblewrap does not work here ({}). Every command and agent runs on this"
                        + " host as the runner's user. Install bubblewrap (apt-get install bubblewrap) or set"
                        + " RUNNER_SANDBOX=none to say this is intended.",
                failure);
        return new NoSandbox("bubblewrap does not work on it (" + failure + ").");
    }

    static BubblewrapSandbox bubblewrap(
            SandboxProperties properties, Path workspaceRoot, boolean root, Confinements confinements)
            throws IOException {
        Path absoluteRoot = workspaceRoot.toAbsolutePath().normalize();
        return new BubblewrapSandbox(
                properties.bwrap(),
                root,
                properties.uid(),
                absoluteRoot.resolve(".sandbox"),
                new ToolPaths(Path.of(System.getProperty("user.home")), absoluteRoot, properties.readOnlyPaths()),
                confinements);
    }

    /** Runs {@code id -u} in a throw-away sandbox; null when it printed the expected uid, else what went wrong. */
    static String probe(BubblewrapSandbox sandbox, Path workspaceRoot, int expectedUid) throws IOException {
        Path probe = workspaceRoot.toAbsolutePath().normalize().resolve(".sandbox/probe-" + UUID.randomUUID());
        Path workspace = Files.createDirectories(probe.resolve("workspace"));
        SandboxScope scope = new SandboxScope(UUID.randomUUID(), workspace, probe.resolve("state"), null);
        try (Sandbox.Session session = sandbox.open(scope)) {
            StringBuilder output = new StringBuilder();
            ShellCommand.Outcome outcome = session.start(
                            new ShellCommand.ArgvSpec(
                                    List.of("/bin/sh", "-c", "id -u"),
                                    workspace,
                                    Map.of("PATH", "/usr/bin:/bin"),
                                    null,
                                    PROBE_TIMEOUT,
                                    1024),
                            (stream, line) -> {
                                synchronized (output) {
                                    output.append(line).append(' ');
                                }
                            },
                            Duration.ofSeconds(1))
                    .await();
            String printed;
            synchronized (output) {
                printed = output.toString().strip();
            }
            String expected = expectedUid >= 0 ? Integer.toString(expectedUid) : ownUid();
            if (outcome.timedOut()) {
                return "the probe did not finish within " + PROBE_TIMEOUT.toSeconds() + " s";
            }
            if (outcome.exitCode() != 0 || !printed.equals(expected)) {
                return "bwrap exited " + outcome.exitCode() + ": " + abbreviate(printed);
            }
            return null;
        } catch (SandboxUnavailableException e) {
            return e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "the probe was interrupted";
        } finally {
            BubblewrapSandbox.deleteTree(probe);
        }
    }

    private static String ownUid() throws IOException {
        return Files.getAttribute(Path.of("/proc/self"), "unix:uid").toString();
    }

    private static String abbreviate(String text) {
        String line = text.replace('\n', ' ');
        return line.length() > 300 ? line.substring(0, 300) + "…" : line;
    }
}
