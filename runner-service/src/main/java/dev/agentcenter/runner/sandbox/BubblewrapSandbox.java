package dev.agentcenter.runner.sandbox;

import dev.agentcenter.runner.execution.ShellCommand;
import dev.agentcenter.runner.execution.StandbyProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs every process of a run under bubblewrap ({@code bwrap}), the namespace tool Flatpak and Claude Code's sandbox
 * use. Each process gets:
 *
 * <ul>
 *   <li>a mount namespace whose root is empty but for the system read-only ({@code /usr}, {@code /bin}, {@code /lib*},
 *       {@code /etc}, {@code /opt}), the tool directories of its {@code PATH} and its program read-only, a private
 *       {@code /tmp} and {@code HOME} ({@code /home/run}), and read-write the run's workspace and its task's agent
 *       state, both at their host paths (so paths in output, diffs and agent sessions are the host's). Other
 *       workspaces, the runner's data directory and the runner user's home ({@code ~/.ssh}, {@code ~/.config}, …) do
 *       not exist in it;
 *   <li>its own PID namespace with a fresh {@code /proc}: it sees only its own processes, and when its first process
 *       ends the kernel kills everything left in the namespace, {@code setsid} daemons included. {@code
 *       --die-with-parent} does the same when the runner stops it (cancel, timeout) or dies;
 *   <li>its own IPC and UTS namespaces and a new session (no {@code TIOCSTI} into the runner's terminal);
 *   <li>an unprivileged identity. A runner that is root starts bwrap as root (it can then bind directories only
 *       root can reach) and bwrap runs {@code setpriv} to become {@code RUNNER_SANDBOX_UID} with no capabilities,
 *       no supplementary groups and an empty bounding set; the workspace and the agent state are handed to that uid
 *       when the run opens (the runner's own git reads them with {@code safe.directory}). A runner that is not root
 *       runs bwrap in a user namespace as itself.
 * </ul>
 *
 * With {@link Confinements} (the runner's), each run also gets its own network, whose only way out is the egress proxy
 * ({@code net}), and its own cgroup with memory, process and CPU limits and a measured disk use ({@code limits}):
 * see {@link RunConfinement} for where they go in the command line.
 */
final class BubblewrapSandbox implements Sandbox {

    private static final Logger log = LoggerFactory.getLogger(BubblewrapSandbox.class);

    /** {@code HOME} inside the sandbox, a per-run directory. */
    static final String HOME = "/home/run";
    /** The user name of {@code RUNNER_SANDBOX_UID} inside the sandbox when the host has none for it. */
    static final String USER = "run";

    /** System directories bound read-only besides {@code /usr}. */
    private static final List<String> SYSTEM_DIRECTORIES = List.of("/etc", "/opt");
    /** Top-level directories that are usually symlinks into {@code /usr} (merged /usr) and else directories. */
    private static final List<String> SYSTEM_LINKS = List.of("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32");

    private static final Path SETPRIV = Path.of("/usr/bin/setpriv");
    /** System binaries a sandboxed process does not see (they are empty there). */
    private static final List<Path> HIDDEN_TOOLS = List.of(Path.of("/usr/bin/bwrap"), Path.of("/usr/local/bin/bwrap"));

    private final String bwrap;
    private final boolean root;
    private final int uid;
    private final Path scratchRoot;
    private final ToolPaths tools;
    private final Path passwd;
    private final Path group;
    /** The network and limits of each run; null for none (the host's network, no limits). */
    private final Confinements confinements;

    /**
     * @param scratchRoot a directory only the runner uses, for each run's private {@code /tmp} and {@code HOME}; it
     *     is never visible inside a sandbox
     * @param root whether the runner is root (then processes become {@code uid})
     */
    BubblewrapSandbox(String bwrap, boolean root, int uid, Path scratchRoot, ToolPaths tools) throws IOException {
        this(bwrap, root, uid, scratchRoot, tools, null);
    }

    BubblewrapSandbox(String bwrap, boolean root, int uid, Path scratchRoot, ToolPaths tools, Confinements confinements)
            throws IOException {
        this.bwrap = bwrap;
        this.confinements = confinements;
        this.root = root;
        this.uid = uid;
        this.scratchRoot = scratchRoot.toAbsolutePath().normalize();
        this.tools = tools;
        Files.createDirectories(this.scratchRoot);
        if (root) {
            // The sandbox's user must have a name and a home: git, ssh and npm ask the passwd database.
            this.passwd =
                    identityFile("passwd", USER + ":x:" + uid + ":" + uid + ":Agent Center run:" + HOME + ":/bin/sh");
            this.group = identityFile("group", USER + ":x:" + uid + ":");
        } else {
            this.passwd = null;
            this.group = null;
        }
    }

    @Override
    public Isolation isolation() {
        return Isolation.BUBBLEWRAP;
    }

    @Override
    public Session open(SandboxScope scope) {
        Path runScratch = scratchRoot.resolve(scope.runId().toString());
        try {
            Files.createDirectories(runScratch.resolve("home"));
            Files.createDirectories(runScratch.resolve("tmp"));
            if (root) {
                Ownership.give(runScratch, uid); // the workspace and the agent state: at the first start
            }
        } catch (IOException e) {
            throw new SandboxUnavailableException("Could not prepare the run's sandbox: " + e.getMessage());
        }
        RunConfinement confinement = null;
        if (confinements != null) {
            try {
                confinement = confinements.open(scope);
            } catch (IOException | RuntimeException e) {
                throw new SandboxUnavailableException(
                        "Could not set up the run's network and limits: " + e.getMessage());
            }
        }
        RunSession session = new RunSession(scope, runScratch, confinement);
        if (confinement != null) {
            try {
                confinement.awaitNetwork(); // started meanwhile, while the standby process joined the cgroup
            } catch (IOException | RuntimeException e) {
                session.close();
                throw new SandboxUnavailableException("Could not set up the run's network: " + e.getMessage());
            }
        }
        return session;
    }

    /**
     * The argument vector that runs {@code spec} inside the run's sandbox (and its confinement, if any), from {@code
     * bwrap} on: what goes before it (joining the cgroup, entering the network namespace) is the session's.
     */
    List<String> argv(SandboxScope scope, Path runScratch, ShellCommand.ArgvSpec spec, RunConfinement confinement) {
        Mounts mounts = new Mounts();
        mounts.add("--ro-bind", Path.of("/usr"), Path.of("/usr"));
        for (String name : SYSTEM_LINKS) {
            Path path = Path.of(name);
            if (Files.isSymbolicLink(path)) {
                try {
                    mounts.raw("--symlink", Files.readSymbolicLink(path).toString(), name);
                } catch (IOException e) {
                    // unreadable link: leave it out
                }
            } else if (Files.isDirectory(path)) {
                mounts.add("--ro-bind", path, path);
            }
        }
        for (String name : SYSTEM_DIRECTORIES) {
            Path path = Path.of(name);
            if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
                mounts.add("--ro-bind", path, path);
            }
        }
        for (Path hidden : HIDDEN_TOOLS) {
            if (Files.isRegularFile(hidden)) {
                // Tools that nest a sandbox (Codex's workspace-write) prefer a system bwrap to the one they bring, and
                // Debian's (0.8) lacks the --argv0 Codex needs: hidden, they use their own.
                mounts.raw("--ro-bind", "/dev/null", hidden.toString());
            }
        }
        if (passwd != null) {
            mounts.raw("--ro-bind", passwd.toString(), "/etc/passwd");
            mounts.raw("--ro-bind", group.toString(), "/etc/group");
        }
        mounts.raw("--proc", "/proc");
        mounts.raw("--dev", "/dev");
        mounts.add("--bind", runScratch.resolve("tmp"), Path.of("/tmp"));
        mounts.add("--bind", runScratch.resolve("home"), Path.of(HOME));
        for (Path tool : tools.readOnly(spec, scope)) {
            mounts.add("--ro-bind", tool, tool);
        }
        mounts.add("--bind", scope.workspace(), scope.workspace());
        if (Files.isDirectory(scope.agentState())) {
            mounts.add("--bind", scope.agentState(), scope.agentState());
        }
        List<String> argv = new ArrayList<>();
        argv.add(bwrap);
        argv.addAll(List.of(
                "--die-with-parent",
                "--new-session",
                "--unshare-pid",
                "--unshare-ipc",
                "--unshare-uts",
                "--unshare-cgroup-try",
                "--hostname",
                "sandbox"));
        if (!root) {
            argv.add("--unshare-user");
        }
        argv.addAll(mounts.args());
        if (confinement != null) {
            argv.addAll(confinement.bwrapArguments());
        }
        argv.addAll(List.of("--chdir", spec.cwd().toAbsolutePath().normalize().toString()));
        if (root) {
            argv.addAll(List.of("--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID", "--"));
            argv.addAll(List.of(
                    SETPRIV.toString(),
                    "--reuid=" + uid,
                    "--regid=" + uid,
                    "--clear-groups",
                    "--inh-caps=-all",
                    "--bounding-set=-all",
                    "--"));
        } else {
            argv.add("--");
        }
        if (confinement != null) {
            argv.addAll(confinement.beforeCommand()); // as the run's uid: the proxy's listeners, if per command
        }
        argv.addAll(spec.argv());
        return argv;
    }

    /** The process's environment inside: its own, with the sandbox's {@code HOME}, {@code TMPDIR} and user. */
    Map<String, String> environment(Map<String, String> env) {
        Map<String, String> inside = new HashMap<>(env);
        inside.put("HOME", HOME);
        inside.put("TMPDIR", "/tmp");
        if (root) {
            inside.put("USER", USER);
            inside.put("LOGNAME", USER);
        }
        return inside;
    }

    private Path identityFile(String name, String line) throws IOException {
        Path host = Path.of("/etc", name);
        String content = Files.isReadable(host) ? Files.readString(host, StandardCharsets.UTF_8) : "";
        boolean known = content.lines().anyMatch(entry -> {
            String[] fields = entry.split(":", -1);
            return fields.length > 2 && fields[2].equals(Integer.toString(uid));
        });
        if (!known) {
            content = (content.isEmpty() || content.endsWith("\n") ? content : content + "\n") + line + "\n";
        }
        Path file = scratchRoot.resolve(name);
        Files.writeString(file, content, StandardCharsets.UTF_8);
        return file;
    }

    private final class RunSession implements Session {
        private final SandboxScope scope;
        private final Path runScratch;
        private final RunConfinement confinement;
        /** What each process runs first, {@code exec}ing the rest: join the run's cgroup. */
        private final List<String> prefix;
        /** Where standby processes read their commands: the runner's alone. */
        private final Path requests;
        /** The process the next command becomes, its prefix already done; null when there is no prefix. */
        private StandbyProcess standby;

        private boolean closed;
        private volatile boolean workspaceOwned;

        RunSession(SandboxScope scope, Path runScratch, RunConfinement confinement) {
            this.scope = scope;
            this.runScratch = runScratch;
            this.confinement = confinement;
            this.prefix = confinement == null ? List.of() : confinement.cgroupLauncher();
            this.requests = runScratch.resolve("requests");
            if (!prefix.isEmpty()) {
                try {
                    Files.createDirectories(
                            requests,
                            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                } catch (IOException e) {
                    close();
                    throw new SandboxUnavailableException("Could not prepare the run's sandbox: " + e.getMessage());
                }
                replenish();
            }
        }

        @Override
        public java.util.Optional<RunConfinement.Breach> limitBreach() {
            return confinement == null ? java.util.Optional.empty() : confinement.breach();
        }

        @Override
        public ShellCommand.Running start(
                ShellCommand.ArgvSpec spec, ShellCommand.OutputSink sink, Duration timeoutGrace) throws IOException {
            if (root) {
                // The workspace is cloned after the session opens, and the runner writes into the agent state just
                // before an agent starts (a Codex auth.json).
                if (!workspaceOwned) {
                    Ownership.give(scope.workspace(), uid);
                    workspaceOwned = true;
                }
                Ownership.give(scope.agentState(), uid);
            }
            List<String> sandboxed = new ArrayList<>();
            if (confinement != null) {
                sandboxed.addAll(confinement.networkPrefix());
            }
            sandboxed.addAll(argv(scope, runScratch, spec, confinement));
            Map<String, String> env = confined(environment(spec.env()));
            StandbyProcess ready = takeStandby();
            if (ready != null) {
                return ready.run(
                        new ShellCommand.ArgvSpec(
                                sandboxed, spec.cwd(), env, spec.stdin(), spec.timeout(), spec.maxLineBytes()),
                        sink,
                        timeoutGrace);
            }
            List<String> argv = new ArrayList<>(prefix);
            argv.addAll(sandboxed);
            return ShellCommand.start(
                    new ShellCommand.ArgvSpec(argv, spec.cwd(), env, spec.stdin(), spec.timeout(), spec.maxLineBytes()),
                    sink,
                    timeoutGrace);
        }

        /** The standby process if it is ready, a new one starting in its place; null to start the usual way. */
        private synchronized StandbyProcess takeStandby() {
            StandbyProcess taken = standby;
            standby = null;
            if (taken != null && !taken.ready()) {
                taken.close();
                taken = null;
            }
            if (taken != null) {
                Thread.ofVirtual().start(this::replenish);
            }
            return taken;
        }

        /**
         * Starts the standby process of the next command. A failure costs only speed: the next command starts the
         * usual way and reports the failure itself.
         */
        private void replenish() {
            StandbyProcess started;
            try {
                started = StandbyProcess.start(prefix, requests);
            } catch (IOException e) {
                log.debug("Run {}: no standby process: {}", scope.runId(), e.getMessage());
                return;
            }
            synchronized (this) {
                if (closed || standby != null) {
                    started.close();
                } else {
                    standby = started;
                }
            }
        }

        private Map<String, String> confined(Map<String, String> env) {
            if (confinement != null) {
                env.putAll(confinement.environment());
            }
            return env;
        }

        @Override
        public void close() {
            synchronized (this) {
                closed = true;
                if (standby != null) {
                    standby.close();
                    standby = null;
                }
            }
            if (confinement != null) {
                confinement.close(); // kills what is left in the run's cgroup, stops its proxy
            }
            deleteTree(runScratch);
        }
    }

    /** Deletes a directory tree (links themselves, never what they point to); logs what it could not delete. */
    static void deleteTree(Path directory) {
        try (Stream<Path> files = Files.walk(directory)) {
            for (Path path : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException | RuntimeException e) {
            log.warn("Could not remove the sandbox directory {}: {}", directory, e.getMessage());
        }
    }

    /**
     * bwrap's mount arguments. A bind target whose parent does not exist yet inside gets its missing ancestors as
     * {@code 0755} directories first: bwrap would otherwise create them {@code 0700} and owned by root, which the
     * sandbox's uid could not pass through.
     */
    private static final class Mounts {
        private final List<String> args = new ArrayList<>();
        private final List<Path> mounted = new ArrayList<>();
        private final java.util.Set<Path> created = new java.util.HashSet<>();

        void add(String kind, Path source, Path target) {
            if (covered(target)) {
                return; // already visible through a bind of a directory above it
            }
            ensureAncestors(target);
            raw(kind, source.toString(), target.toString());
            mounted.add(target);
        }

        void raw(String... parts) {
            args.addAll(List.of(parts));
        }

        private void ensureAncestors(Path target) {
            List<Path> missing = new ArrayList<>();
            for (Path parent = target.getParent();
                    parent != null && parent.getParent() != null;
                    parent = parent.getParent()) {
                if (created.contains(parent) || mountedAt(parent)) {
                    break;
                }
                missing.addFirst(parent);
            }
            for (Path directory : missing) {
                args.addAll(List.of("--perms", "0755", "--dir", directory.toString()));
                created.add(directory);
            }
        }

        private boolean covered(Path target) {
            return mounted.stream().anyMatch(target::startsWith) && !mountedWritableAbove(target);
        }

        /** Under the private /tmp (a writable bind) a new mount is still needed: /tmp is not the host's. */
        private boolean mountedWritableAbove(Path target) {
            return mounted.stream()
                    .anyMatch(m -> target.startsWith(m) && (m.equals(Path.of("/tmp")) || m.equals(Path.of(HOME))));
        }

        private boolean mountedAt(Path path) {
            return mounted.contains(path);
        }

        List<String> args() {
            return args;
        }
    }
}
