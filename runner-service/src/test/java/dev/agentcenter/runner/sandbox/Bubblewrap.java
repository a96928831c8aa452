package dev.agentcenter.runner.sandbox;

import dev.agentcenter.runner.agent.Agents;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;

/**
 * The bubblewrap sandbox for tests. Where bubblewrap cannot work (not installed, no user namespaces for a runner that
 * is not root) the calling test is skipped with the reason, unless {@code CI} is set: then that is an error, so a CI
 * machine without bubblewrap fails instead of passing the hostile-run suite vacuously.
 */
public final class Bubblewrap {

    private Bubblewrap() {}

    /** A working bubblewrap sandbox for runs under {@code workspaceRoot}, or the test is skipped/failed. */
    public static Sandbox required(Path workspaceRoot) {
        SandboxProperties properties =
                new SandboxProperties(SandboxProperties.Mode.BUBBLEWRAP, "bwrap", 61000, List.of());
        try {
            return SandboxConfiguration.choose(properties, workspaceRoot, Agents.runningAsRoot());
        } catch (IllegalStateException e) {
            String ci = System.getenv("CI");
            boolean strict = ci != null && !ci.isBlank() && !ci.equals("false") && !ci.equals("0");
            String why = e.getMessage() + " (install it: apt-get install -y bubblewrap)";
            if (strict) {
                throw new AssertionError(why + ". CI is set, so this is an error.", e);
            }
            Assumptions.abort(why);
            throw e;
        }
    }

    /** The processes holding a run's network namespace now (bwrap with the proxy's socket directory). */
    public static java.util.List<Long> networkHolders() {
        return ProcessHandle.allProcesses()
                .filter(handle -> {
                    String line = handle.info().commandLine().orElse("");
                    return line.contains("--unshare-net") && line.contains("/run/agent-center-net");
                })
                .map(ProcessHandle::pid)
                .toList();
    }
}
