package dev.agentcenter.runner.sandbox.limits;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The cgroups this runner may create run cgroups in, found once at start: cgroup v2 where the host has a unified
 * hierarchy with the {@code memory} and {@code pids} controllers, else v1 where {@code memory} and {@code pids} are
 * mounted (as on hosts that still mount v1, or a hybrid layout whose v2 mount has no controllers). Run cgroups go
 * below the runner's own cgroup ({@code /proc/self/cgroup}), so they count against whatever limits the runner itself
 * has, and a runner in a container uses the container's delegated tree.
 */
public final class CgroupHost {

    private static final Pattern RUN_NAME = Pattern.compile("[A-Za-z0-9_.-]{1,100}");

    /** Which hierarchy the run cgroups live in. */
    public enum Version {
        V1,
        V2
    }

    private final Version version;
    /** v1: controller name to the directory run cgroups are made in; v2: one entry, "". */
    private final Map<String, Path> parents;

    private final String problem;

    private CgroupHost(Version version, Map<String, Path> parents, String problem) {
        this.version = version;
        this.parents = parents;
        this.problem = problem;
    }

    /** Looks at {@code /proc/self/cgroup} and {@code /proc/self/mountinfo}; never throws. */
    public static CgroupHost detect() {
        try {
            return detect(
                    Files.readAllLines(Path.of("/proc/self/cgroup")),
                    Files.readAllLines(Path.of("/proc/self/mountinfo")));
        } catch (IOException | RuntimeException e) {
            return new CgroupHost(null, Map.of(), "cgroups cannot be read: " + e.getMessage());
        }
    }

    /** From the contents of {@code /proc/self/cgroup} and {@code /proc/self/mountinfo} (empty: no cgroups). */
    public static CgroupHost detect(List<String> membership, List<String> mountinfo) {
        Map<String, String> ownPaths = new LinkedHashMap<>(); // controller ("" for v2) -> own cgroup path
        for (String line : membership) {
            String[] parts = line.split(":", 3);
            if (parts.length == 3) {
                for (String controller : parts[1].split(",")) {
                    ownPaths.put(controller, parts[2]);
                }
            }
        }
        // v2 first: a unified mount whose cgroup of ours offers memory and pids.
        for (String line : mountinfo) {
            Mount mount = Mount.parse(line);
            if (mount != null && mount.type.equals("cgroup2") && ownPaths.containsKey("")) {
                Path own = mount.path(ownPaths.get(""));
                if (own != null
                        && readQuietly(own.resolve("cgroup.controllers")).matches("(?s).*\\bmemory\\b.*")
                        && readQuietly(own.resolve("cgroup.controllers")).matches("(?s).*\\bpids\\b.*")
                        && Files.isWritable(own)) {
                    return new CgroupHost(Version.V2, Map.of("", own), null);
                }
            }
        }
        Map<String, Path> parents = new LinkedHashMap<>();
        for (String line : mountinfo) {
            Mount mount = Mount.parse(line);
            if (mount == null || !mount.type.equals("cgroup")) {
                continue;
            }
            for (String controller : List.of("memory", "pids", "cpu")) {
                if (mount.options.contains(controller) && ownPaths.containsKey(controller)) {
                    Path own = mount.path(ownPaths.get(controller));
                    if (own != null && Files.isWritable(own)) {
                        parents.put(controller, own.resolve("agent-center"));
                    }
                }
            }
        }
        if (parents.containsKey("memory") && parents.containsKey("pids")) {
            return new CgroupHost(Version.V1, Map.copyOf(parents), null);
        }
        return new CgroupHost(
                null,
                Map.of(),
                "no writable cgroup with the memory and pids controllers (v2: delegate them to the runner's cgroup;"
                        + " v1: mount them writable, e.g. run the runner as root); runs are not limited");
    }

    /** True when runs can be limited here. */
    public boolean available() {
        return problem == null;
    }

    /** Why runs cannot be limited here. */
    public Optional<String> problem() {
        return Optional.ofNullable(problem);
    }

    public Version version() {
        return version;
    }

    /** Whether CPU can be capped (v1 needs the {@code cpu} controller mounted and writable). */
    public boolean cpuControl() {
        return version == Version.V2 || parents.containsKey("cpu");
    }

    /** Creates the cgroup of one run ({@code name}: letters, digits, {@code _.-}) with its limits set. */
    public RunCgroup create(String name, ResourceLimits limits) throws IOException {
        if (!available()) {
            throw new IOException(problem);
        }
        if (!RUN_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("not a cgroup name: " + name);
        }
        return version == Version.V2 ? createV2(name, limits) : createV1(name, limits);
    }

    private RunCgroup createV1(String name, ResourceLimits limits) throws IOException {
        Map<String, Path> dirs = new LinkedHashMap<>();
        try {
            for (Map.Entry<String, Path> parent : parents.entrySet()) {
                if (parent.getKey().equals("cpu") && limits.cpuCap() <= 0) {
                    // Each hierarchy joined costs the command's start a cgroup migration (an RCU grace period).
                    continue;
                }
                Path dir = parent.getValue().resolve(name);
                Files.createDirectories(dir);
                dirs.put(parent.getKey(), dir);
            }
            Path memory = dirs.get("memory");
            Files.writeString(
                    memory.resolve("memory.limit_in_bytes"),
                    Long.toString(limits.memory().toBytes()));
            Path swap = memory.resolve("memory.memsw.limit_in_bytes");
            if (Files.isWritable(swap)) {
                // Memory plus swap at the same figure: the run cannot page out past its limit.
                Files.writeString(swap, Long.toString(limits.memory().toBytes()));
            }
            Files.writeString(dirs.get("pids").resolve("pids.max"), Integer.toString(limits.processes()));
            if (dirs.containsKey("cpu") && limits.cpuCap() > 0) {
                Files.writeString(dirs.get("cpu").resolve("cpu.cfs_period_us"), "100000");
                Files.writeString(
                        dirs.get("cpu").resolve("cpu.cfs_quota_us"),
                        Long.toString(Math.round(limits.cpuCap() * 100000)));
            }
        } catch (IOException | RuntimeException e) {
            new RunCgroup(Version.V1, dirs).close();
            throw e;
        }
        return new RunCgroup(Version.V1, dirs);
    }

    private RunCgroup createV2(String name, ResourceLimits limits) throws IOException {
        Path base = parents.get("");
        Path runs = base.resolve("agent-center");
        synchronized (this) {
            if (!Files.isDirectory(runs)) {
                enableControllers(base, true);
                Files.createDirectories(runs);
            }
            enableControllers(runs, false);
        }
        Path dir = runs.resolve(name);
        Files.createDirectories(dir);
        try {
            Files.writeString(
                    dir.resolve("memory.max"), Long.toString(limits.memory().toBytes()));
            if (Files.exists(dir.resolve("memory.swap.max"))) {
                Files.writeString(dir.resolve("memory.swap.max"), "0");
            }
            Files.writeString(dir.resolve("pids.max"), Integer.toString(limits.processes()));
            if (limits.cpuCap() > 0 && Files.exists(dir.resolve("cpu.max"))) {
                Files.writeString(dir.resolve("cpu.max"), Math.round(limits.cpuCap() * 100000) + " 100000");
            }
        } catch (IOException | RuntimeException e) {
            new RunCgroup(Version.V2, Map.of("", dir)).close();
            throw e;
        }
        return new RunCgroup(Version.V2, Map.of("", dir));
    }

    /**
     * Turns on memory, pids and (when offered) cpu for the children of {@code dir}. v2 allows that only in a cgroup
     * without processes of its own; when {@code moveSelf}, the runner first moves itself into a leaf next to the runs
     * (what container entrypoints do for nested cgroups).
     */
    private static void enableControllers(Path dir, boolean moveSelf) throws IOException {
        List<String> wanted = new ArrayList<>(List.of("+memory", "+pids"));
        if (readQuietly(dir.resolve("cgroup.controllers")).matches("(?s).*\\bcpu\\b.*")) {
            wanted.add("+cpu");
        }
        try {
            Files.writeString(dir.resolve("cgroup.subtree_control"), String.join(" ", wanted));
        } catch (IOException e) {
            if (!moveSelf) {
                throw e;
            }
            Path leaf = dir.resolve("agent-center-runner");
            Files.createDirectories(leaf);
            for (String pid : readQuietly(dir.resolve("cgroup.procs")).split("\\s+")) {
                if (!pid.isBlank()) {
                    try {
                        Files.writeString(leaf.resolve("cgroup.procs"), pid);
                    } catch (IOException gone) {
                        // exited meanwhile, or a kernel thread: nothing to move
                    }
                }
            }
            Files.writeString(dir.resolve("cgroup.subtree_control"), String.join(" ", wanted));
        }
    }

    /**
     * Removes the cgroups of runs that a runner stopped without closing (killed, or its host lost power): run cgroups
     * with no process left whose directory is older than {@code before}. Another runner's live run always has a
     * process in its cgroup (its standby process waits there between commands), so only the first moments of a run
     * could look empty; {@code before} keeps those. Never throws.
     *
     * @return how many were removed
     */
    public int removeStale(Instant before) {
        int removed = 0;
        for (Path runs : runParents()) {
            try (Stream<Path> children = Files.list(runs)) {
                for (Path dir : children.filter(child ->
                                RUN_NAME.matcher(child.getFileName().toString()).matches()
                                        && child.getFileName().toString().startsWith("run-"))
                        .toList()) {
                    if (readQuietly(dir.resolve("cgroup.procs")).isBlank()
                            && Files.getLastModifiedTime(dir).toInstant().isBefore(before)) {
                        Files.delete(dir);
                        removed++;
                    }
                }
            } catch (IOException | RuntimeException e) {
                // gone meanwhile, in use again, or not ours to remove: left as it is
            }
        }
        return removed;
    }

    /** The directories run cgroups are made in. */
    private List<Path> runParents() {
        if (!available()) {
            return List.of();
        }
        return version == Version.V2 ? List.of(parents.get("").resolve("agent-center")) : List.copyOf(parents.values());
    }

    static String readQuietly(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return "";
        }
    }

    /** One line of /proc/self/mountinfo, as far as cgroups need it. */
    private record Mount(String root, Path mountPoint, String type, List<String> options) {

        static Mount parse(String line) {
            int dash = line.indexOf(" - ");
            if (dash < 0) {
                return null;
            }
            String[] before = line.substring(0, dash).split(" ");
            String[] after = line.substring(dash + 3).split(" ");
            if (before.length < 5 || after.length < 3) {
                return null;
            }
            return new Mount(
                    before[3], Path.of(before[4].replace("\\040", " ")), after[0], List.of(after[2].split(",")));
        }

        /** Where cgroup {@code path} (as /proc/self/cgroup names it) is under this mount, or null if not under it. */
        Path path(String path) {
            String relative;
            if (root.equals("/")) {
                relative = path;
            } else if (path.equals(root) || path.startsWith(root + "/")) {
                relative = path.substring(root.length());
            } else {
                return null;
            }
            return relative.isEmpty() || relative.equals("/") ? mountPoint : mountPoint.resolve(relative.substring(1));
        }
    }
}
