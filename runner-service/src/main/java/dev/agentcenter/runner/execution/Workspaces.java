package dev.agentcenter.runner.execution;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Where runs work on disk. A task's workspace is {@code <root>/<taskId>}: named after the task, not the run, so that a
 * follow-up run finds the previous run's files.
 */
public final class Workspaces {

    private Workspaces() {}

    /** The workspace of a task, created if missing; absolute and normalized. */
    public static Path forTask(Path root, UUID taskId) {
        Objects.requireNonNull(taskId, "taskId");
        Path workspace = root.toAbsolutePath().normalize().resolve(taskId.toString());
        try {
            Files.createDirectories(workspace);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not create workspace " + workspace, e);
        }
        return workspace;
    }

    /**
     * Deletes a directory and everything under it; symbolic links are deleted, never followed.
     *
     * @return whether it existed
     */
    public static boolean deleteTree(Path directory) throws IOException {
        if (!Files.exists(directory, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        try (Stream<Path> files = Files.walk(directory)) {
            for (Path path : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
        return true;
    }

    /**
     * Resolves nested relative directories (e.g. project root, then working directory, then command cwd) inside
     * {@code workspace}; {@code null} and blank parts are skipped.
     *
     * <p>Refuses absolute parts and any result outside the workspace, both lexically ({@code ../..}) and through
     * symbolic links: the real path of the deepest part that exists must lie inside the workspace's real path, so a
     * link to {@code /etc} committed in a repository does not become a way out.
     *
     * @throws WorkspaceEscapeException when the result would be outside the workspace
     */
    public static Path resolveInside(Path workspace, String... relativeParts) {
        Path base = workspace.toAbsolutePath().normalize();
        Path resolved = base;
        List<String> given = new ArrayList<>();
        for (String part : relativeParts == null ? new String[0] : relativeParts) {
            if (part == null || part.isBlank()) {
                continue;
            }
            given.add(part);
            Path path;
            try {
                path = Path.of(part);
            } catch (InvalidPathException e) {
                throw new WorkspaceEscapeException(String.join("/", given));
            }
            if (path.isAbsolute()) {
                throw new WorkspaceEscapeException(String.join("/", given));
            }
            resolved = resolved.resolve(path).normalize();
            if (!resolved.startsWith(base)) {
                throw new WorkspaceEscapeException(String.join("/", given));
            }
        }
        if (!isInsideByRealPath(base, resolved)) {
            throw new WorkspaceEscapeException(String.join("/", given));
        }
        return resolved;
    }

    private static boolean isInsideByRealPath(Path base, Path resolved) {
        Path existing = resolved;
        while (!Files.exists(existing) && !existing.equals(base)) {
            existing = existing.getParent();
        }
        if (!Files.exists(existing)) {
            return true; // nothing on disk yet: the lexical check is all there is to check
        }
        try {
            return existing.toRealPath().startsWith(base.toRealPath());
        } catch (IOException e) {
            throw new UncheckedIOException("Could not resolve " + existing, e);
        }
    }
}
