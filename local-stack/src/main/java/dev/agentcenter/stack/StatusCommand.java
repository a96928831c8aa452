package dev.agentcenter.stack;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/** {@code ./agent-center status}: which services answer {@code /health}, and how often the launcher restarted each. */
final class StatusCommand {

    private final Map<String, String> env;
    private final Path root;
    private final PrintStream out;

    StatusCommand(Map<String, String> env, Path root, PrintStream out) {
        this.env = env;
        this.root = root;
        this.out = out;
    }

    /** 0 when every service is healthy, else 1 (2 for a setting that does not parse). */
    int run() {
        StackConfig config;
        try {
            config = StackConfig.fromEnvironment(env, root);
        } catch (IllegalArgumentException e) {
            out.println("[stack] ERROR: " + e.getMessage());
            return 2;
        }
        boolean launcherAlive = launcherAlive(config.dataDir());
        Map<Service, StackState.ServiceState> states = Map.of();
        if (launcherAlive) {
            try {
                states = StackState.read(config.dataDir());
            } catch (IOException | RuntimeException e) {
                out.println("launcher state unreadable: " + e.getMessage());
            }
        }
        HealthProbe probe = new HealthProbe();
        int healthy = 0;
        for (Service service : Service.values()) {
            StackConfig.Endpoint endpoint = config.endpoint(service);
            String problem;
            try {
                problem = probe.problem(endpoint);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return 1;
            }
            if (problem == null) {
                healthy++;
            }
            StackState.ServiceState state = states.get(service);
            out.printf(
                    Locale.ROOT,
                    "%-7s %-24s %-8s%s%n",
                    service.label(),
                    endpoint.baseUrl(),
                    problem == null ? "healthy" : "down (" + problem + ")",
                    state == null ? "" : "  " + describe(state));
        }
        return healthy == Service.values().length ? 0 : 1;
    }

    static String describe(StackState.ServiceState state) {
        String restarts = "pid " + state.pid() + ", restarts " + state.restarts();
        return state.lastExit() == null
                ? restarts
                : restarts + " (last: " + state.lastExit() + " at " + state.lastExitAt() + ")";
    }

    private boolean launcherAlive(Path dataDir) {
        Path lockFile = dataDir.resolve("launcher.lock");
        if (!Files.exists(lockFile)) {
            return false;
        }
        try {
            String pid = Files.readString(lockFile).strip();
            boolean alive = !pid.isEmpty()
                    && ProcessHandle.of(Long.parseLong(pid))
                            .map(ProcessHandle::isAlive)
                            .orElse(false);
            out.println("launcher " + (alive ? "running, pid " + pid : "not running") + " (data: " + dataDir + ")");
            return alive;
        } catch (IOException | NumberFormatException e) {
            out.println("launcher state unknown: " + e.getMessage());
            return false;
        }
    }
}
