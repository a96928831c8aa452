package dev.agentcenter.runner.sandbox;

import dev.agentcenter.runner.execution.ShellCommand;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The host directories, beyond the system, a sandboxed process sees read-only: its {@code PATH}'s tool directories
 * (a version manager's node, cargo, pyenv), its program's installation (an agent CLI's {@code node_modules}) and
 * {@code RUNNER_SANDBOX_READ_ONLY_PATHS}.
 *
 * <p>None of them may show what the sandbox hides: a candidate is dropped when it is the runner user's home or above
 * it, lies in one of the home's credential directories, or is the workspace root, above it or inside it (other
 * workspaces, the agent state). For {@code <dir>/bin} outside the home, {@code <dir>} is bound ({@code /opt/node/bin}
 * needs {@code /opt/node/lib}); inside the home only the {@code bin} itself, unless it is a node installation
 * ({@code lib/node_modules} beside it), since {@code ~/.cargo} also holds {@code credentials.toml}.
 */
final class ToolPaths {

    /** Directories in a home that hold credentials; nothing under them is ever bound. */
    static final List<String> SECRET_DIRECTORIES = List.of(
            ".ssh",
            ".gnupg",
            ".config",
            ".aws",
            ".azure",
            ".kube",
            ".docker",
            ".m2",
            ".gradle",
            ".netrc",
            ".git-credentials",
            ".npmrc",
            ".pypirc",
            ".cargo/credentials.toml",
            ".cargo/credentials");

    private static final List<Path> SYSTEM = List.of(
            Path.of("/usr"),
            Path.of("/bin"),
            Path.of("/sbin"),
            Path.of("/lib"),
            Path.of("/lib64"),
            Path.of("/etc"),
            Path.of("/opt"));

    private final Path home;
    private final Path workspaceRoot;
    private final List<Path> extra;

    ToolPaths(Path home, Path workspaceRoot, List<Path> extra) {
        this.home = home.toAbsolutePath().normalize();
        this.workspaceRoot = workspaceRoot.toAbsolutePath().normalize();
        this.extra = List.copyOf(extra);
    }

    /** The directories to bind read-only for {@code spec}, each an existing absolute directory. */
    List<Path> readOnly(ShellCommand.ArgvSpec spec, SandboxScope scope) {
        Set<Path> candidates = new LinkedHashSet<>();
        String path = spec.env().get("PATH");
        if (path != null) {
            for (String entry : path.split(File.pathSeparator)) {
                if (!entry.isBlank() && entry.startsWith("/")) {
                    candidates.add(installation(Path.of(entry).normalize()));
                }
            }
        }
        String program = spec.argv().getFirst();
        if (program.startsWith("/")) {
            candidates.add(programInstallation(Path.of(program)));
        }
        candidates.addAll(extra);
        return candidates.stream()
                .filter(Files::isDirectory)
                .filter(candidate -> !SYSTEM.stream().anyMatch(candidate::startsWith))
                .filter(candidate -> allowed(candidate, scope))
                .toList();
    }

    private Path installation(Path directory) {
        Path parent = directory.getParent();
        if (parent == null || !directory.getFileName().toString().equals("bin")) {
            return directory;
        }
        boolean node = Files.isDirectory(parent.resolve("lib/node_modules"));
        return directory.startsWith(home) && !node ? directory : parent;
    }

    /** An agent CLI is a link into a package: bind the whole {@code node_modules} it lies in, else its directory. */
    private static Path programInstallation(Path program) {
        Path real;
        try {
            real = program.toRealPath();
        } catch (IOException e) {
            return program.getParent();
        }
        for (Path at = program.getParent(); at != null; at = at.getParent()) {
            if (at.getFileName() != null && at.getFileName().toString().equals("node_modules") && real.startsWith(at)) {
                return at;
            }
        }
        return real.getParent();
    }

    private boolean allowed(Path candidate, SandboxScope scope) {
        if (home.startsWith(candidate) || workspaceRoot.startsWith(candidate) || candidate.startsWith(workspaceRoot)) {
            return false;
        }
        Path workspaceParent = scope.workspace().getParent();
        if (workspaceParent != null
                && (workspaceParent.startsWith(candidate) || candidate.startsWith(workspaceParent))) {
            return false;
        }
        if (scope.workspace().startsWith(candidate) || scope.agentState().startsWith(candidate)) {
            return false;
        }
        return SECRET_DIRECTORIES.stream().noneMatch(secret -> candidate.startsWith(home.resolve(secret)));
    }
}
