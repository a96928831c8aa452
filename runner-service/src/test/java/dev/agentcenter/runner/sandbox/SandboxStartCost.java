package dev.agentcenter.runner.sandbox;

import dev.agentcenter.runner.agent.Agents;
import dev.agentcenter.runner.execution.ShellCommand;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Benchmark, not a test: what the sandbox adds to a command's start. Runs {@code bash -c 'echo hi'} through {@link
 * NoSandbox}, {@link BubblewrapSandbox}, and {@link BubblewrapSandbox} with each run's network and cgroup,
 * interleaved, and prints p50/p95 of start-to-end per command and the differences; then what a run of one command
 * costs (open, the command, close). A second argument {@code network} leaves the cgroup out. Run as root (for the
 * cgroup) after {@code test-compile}:
 *
 * <pre>java -cp "runner-service/target/classes:runner-service/target/test-classes:$(cat cp.txt)" \
 *     dev.agentcenter.runner.sandbox.SandboxStartCost [runs]</pre>
 *
 * (with {@code cp.txt} from {@code ./mvnw -q -o -pl runner-service dependency:build-classpath
 * -Dmdep.outputFile=cp.txt}).
 */
public final class SandboxStartCost {

    private SandboxStartCost() {}

    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 100;
        Path root = Files.createTempDirectory("sandbox-cost");
        Path workspaceRoot = Files.createDirectories(root.resolve("workspaces"));
        Path workspace =
                Files.createDirectories(workspaceRoot.resolve(UUID.randomUUID().toString()));
        Path state = workspaceRoot.resolve(".agent-state").resolve(workspace.getFileName());
        SandboxProperties properties =
                new SandboxProperties(SandboxProperties.Mode.BUBBLEWRAP, "bwrap", 61000, List.of());
        Sandbox bubblewrap = SandboxConfiguration.choose(properties, workspaceRoot, Agents.runningAsRoot());
        Sandbox none = new NoSandbox("benchmark");
        // With each run's network (default full: the proxy's namespace entered with nsenter) and its cgroup.
        Sandbox confined = SandboxConfiguration.choose(
                properties,
                workspaceRoot,
                Agents.runningAsRoot(),
                new Confinements(
                        new dev.agentcenter.runner.sandbox.net.NetworkProperties("full", List.of()),
                        new dev.agentcenter.runner.sandbox.limits.ResourceLimits(
                                org.springframework.util.unit.DataSize.parse("4GB"),
                                1024,
                                0,
                                org.springframework.util.unit.DataSize.parse("20GB"),
                                Duration.ofSeconds(10)),
                        // "network" as second argument: without the cgroup, to tell the two costs apart
                        args.length > 1 && args[1].equals("network")
                                ? dev.agentcenter.runner.sandbox.limits.CgroupHost.detect(List.of(), List.of())
                                : dev.agentcenter.runner.sandbox.limits.CgroupHost.detect(),
                        List.of(),
                        List.of(),
                        properties.bwrap(),
                        Agents.runningAsRoot()));
        SandboxScope scope = new SandboxScope(UUID.randomUUID(), workspace, state, null);
        ShellCommand.ArgvSpec spec = new ShellCommand.ArgvSpec(
                List.of("bash", "-c", "echo hi"),
                workspace,
                Map.of("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"), "LANG", "C.UTF-8"),
                null,
                Duration.ofSeconds(30),
                ShellCommand.MAX_LINE_BYTES);
        List<Long> plain = new ArrayList<>();
        List<Long> boxed = new ArrayList<>();
        List<Long> full = new ArrayList<>();
        try (Sandbox.Session plainSession = none.open(scope);
                Sandbox.Session boxedSession = bubblewrap.open(scope);
                Sandbox.Session fullSession = confined.open(scope)) {
            for (int i = 0; i < 10; i++) { // warm-up
                time(plainSession, spec);
                time(boxedSession, spec);
                time(fullSession, spec);
            }
            for (int i = 0; i < runs; i++) {
                plain.add(time(plainSession, spec));
                boxed.add(time(boxedSession, spec));
                full.add(time(fullSession, spec));
            }
        }
        // Per run: open the session, run one command, close it (what a run of one command pays).
        List<Long> openPlain = new ArrayList<>();
        List<Long> openBoxed = new ArrayList<>();
        List<Long> openFull = new ArrayList<>();
        List<Long> closeFull = new ArrayList<>();
        for (int i = 0; i < Math.max(10, runs / 5); i++) {
            SandboxScope run = new SandboxScope(UUID.randomUUID(), workspace, state, null);
            openPlain.add(session(none, run, spec, null));
            openBoxed.add(session(bubblewrap, run, spec, null));
            openFull.add(session(confined, run, spec, closeFull));
        }
        System.out.printf("%d runs of `bash -c 'echo hi'` each, interleaved%n", runs);
        System.out.printf("no sandbox:  p50 %.1f ms, p95 %.1f ms%n", p(plain, 50), p(plain, 95));
        System.out.printf("bubblewrap:  p50 %.1f ms, p95 %.1f ms%n", p(boxed, 50), p(boxed, 95));
        System.out.printf("+ network, limits: p50 %.1f ms, p95 %.1f ms%n", p(full, 50), p(full, 95));
        System.out.printf(
                "added:       p50 %.1f ms (bubblewrap), %.1f ms (with network and limits)%n",
                p(boxed, 50) - p(plain, 50), p(full, 50) - p(plain, 50));
        System.out.printf(
                "per run (open, one command, close): no sandbox p50 %.1f ms, bubblewrap %.1f ms, + network, limits"
                        + " %.1f ms (of which closing %.1f ms)%n",
                p(openPlain, 50), p(openBoxed, 50), p(openFull, 50), p(closeFull, 50));
    }

    /** Opens a session, runs one command in it and closes it; adds the close alone to {@code closes}. */
    private static long session(Sandbox sandbox, SandboxScope run, ShellCommand.ArgvSpec spec, List<Long> closes)
            throws Exception {
        long started = System.nanoTime();
        Sandbox.Session session = sandbox.open(run);
        time(session, spec);
        long closing = System.nanoTime();
        session.close();
        long ended = System.nanoTime();
        if (closes != null) {
            closes.add(ended - closing);
        }
        return ended - started;
    }

    private static long time(Sandbox.Session session, ShellCommand.ArgvSpec spec) throws Exception {
        long started = System.nanoTime();
        ShellCommand.Outcome outcome =
                session.start(spec, (stream, line) -> {}, Duration.ofSeconds(1)).await();
        long elapsed = System.nanoTime() - started;
        if (outcome.exitCode() != 0) {
            throw new IllegalStateException("exit " + outcome.exitCode());
        }
        return elapsed;
    }

    private static double p(List<Long> nanos, int percentile) {
        List<Long> sorted = new ArrayList<>(nanos);
        Collections.sort(sorted);
        int index = Math.min(sorted.size() - 1, (int) Math.ceil(percentile / 100.0 * sorted.size()) - 1);
        return sorted.get(Math.max(0, index)) / 1e6;
    }
}
