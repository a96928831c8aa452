package dev.agentcenter.runner.sandbox.limits;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The cgroup of one run (one directory per v1 controller, or one v2 directory). Its processes are placed in it by
 * {@link #launcher()} before the command starts, so nothing the run starts is outside it; {@link #close()} kills
 * whatever is left and removes it.
 */
public final class RunCgroup implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(RunCgroup.class.getName());

    private final CgroupHost.Version version;
    private final Map<String, Path> dirs;

    RunCgroup(CgroupHost.Version version, Map<String, Path> dirs) {
        this.version = version;
        this.dirs = Map.copyOf(dirs);
    }

    /**
     * A prefix for the command's argument vector: a shell that writes its own pid into the cgroup, then {@code exec}s
     * the rest. Run outside the sandbox (before {@code bwrap}), which then starts inside the cgroup with everything
     * it starts. If the cgroup cannot be joined, the command does not run (exit 125).
     */
    public List<String> launcher() {
        String join = dirs.values().stream()
                .map(dir -> "echo $$ > '" + dir.resolve("cgroup.procs") + "'")
                .collect(Collectors.joining(" && "));
        return List.of(
                "/bin/sh",
                "-c",
                join
                        + " || { echo 'agent-center: could not enter the run'\"'\"'s cgroup' >&2; exit 125; }\nexec \"$@\"",
                "agent-center-cgroup");
    }

    /** The limit the run went past, if the kernel had to enforce one (an OOM kill, a refused fork). */
    public Optional<LimitBreach> breach() {
        if (version == CgroupHost.Version.V2) {
            Path dir = dirs.get("");
            if (counter(dir.resolve("memory.events"), "oom_kill") > 0) {
                return Optional.of(LimitBreach.MEMORY);
            }
            if (counter(dir.resolve("pids.events"), "max") > 0) {
                return Optional.of(LimitBreach.PROCESSES);
            }
            return Optional.empty();
        }
        if (counter(dirs.get("memory").resolve("memory.oom_control"), "oom_kill") > 0) {
            return Optional.of(LimitBreach.MEMORY);
        }
        if (counter(dirs.get("pids").resolve("pids.events"), "max") > 0) {
            return Optional.of(LimitBreach.PROCESSES);
        }
        return Optional.empty();
    }

    /** The pids of the processes in the run's cgroup now. */
    public List<Long> processes() {
        Path procs = (version == CgroupHost.Version.V2 ? dirs.get("") : dirs.get("pids")).resolve("cgroup.procs");
        return CgroupHost.readQuietly(procs)
                .lines()
                .filter(line -> !line.isBlank())
                .map(line -> Long.parseLong(line.strip()))
                .toList();
    }

    /** Reads one value of a file of {@code name value} lines; 0 when missing. */
    long counter(Path file, String name) {
        return CgroupHost.readQuietly(file)
                .lines()
                .map(line -> line.split("\\s+"))
                .filter(parts -> parts.length == 2 && parts[0].equals(name))
                .mapToLong(parts -> Long.parseLong(parts[1]))
                .findFirst()
                .orElse(0);
    }

    /**
     * KILLs every process in the cgroup until it is empty: a daemon, a {@code setsid} child and a process that left
     * the sandbox's session are all still in it. The process limit keeps a fork bomb from outrunning this.
     */
    public void killAll() {
        Path kill = dirs.get("") == null ? null : dirs.get("").resolve("cgroup.kill");
        if (kill != null && Files.exists(kill)) {
            try {
                Files.writeString(kill, "1");
            } catch (IOException e) {
                // fall back to one by one
            }
        }
        long deadline = System.nanoTime() + 30_000_000_000L;
        long pause = 1;
        List<Long> left;
        while (!(left = processes()).isEmpty() && System.nanoTime() < deadline) {
            for (long pid : left) {
                ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            }
            if (!pauseFor(pause)) {
                return;
            }
            pause = Math.min(pause * 2, 20);
        }
    }

    /** Sleeps; false when interrupted (the interrupt is kept). */
    private static boolean pauseFor(long millis) {
        try {
            Thread.sleep(millis);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Kills what is left and removes the cgroup. */
    @Override
    public void close() {
        killAll();
        for (Path dir : dirs.values()) {
            // A killed process leaves its cgroup only once the kernel has torn it down: retry for a while (~5 s).
            long pause = 1;
            for (int attempt = 0; Files.exists(dir); attempt++) {
                try {
                    Files.delete(dir);
                } catch (IOException e) {
                    if (attempt >= 100) {
                        LOG.log(System.Logger.Level.WARNING, "Could not remove cgroup " + dir + ": " + e.getMessage());
                        break;
                    }
                    if (!pauseFor(pause)) {
                        break;
                    }
                    pause = Math.min(pause * 2, 50);
                }
            }
        }
    }

    /** The cgroup's directories, for diagnostics. */
    public Map<String, Path> directories() {
        return dirs;
    }
}
