package dev.agentcenter.runner.execution;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorkspacesTest {

    @TempDir
    Path root;

    @Test
    void aTasksWorkspaceIsCreatedUnderTheRootAndNamedAfterTheTask() {
        UUID taskId = UUID.randomUUID();

        Path workspace = Workspaces.forTask(root.resolve("a/../workspaces"), taskId);

        assertThat(workspace).isAbsolute().isDirectory().isEqualTo(root.resolve("workspaces/" + taskId));
        assertThat(Workspaces.forTask(root.resolve("workspaces"), taskId)).isEqualTo(workspace);
    }

    @Test
    void resolvesNestedRelativeDirectoriesSkippingMissingOnes() throws Exception {
        Path workspace = Workspaces.forTask(root, UUID.randomUUID());

        assertThat(Workspaces.resolveInside(workspace, "app", null, "src/../test", "  "))
                .isEqualTo(workspace.resolve("app/test"));
        assertThat(Workspaces.resolveInside(workspace)).isEqualTo(workspace);
        assertThat(Workspaces.resolveInside(workspace, null, null, ".")).isEqualTo(workspace);
        Files.createDirectories(workspace.resolve("a/b"));
        assertThat(Workspaces.resolveInside(workspace, "a", "b/..", "b")).isEqualTo(workspace.resolve("a/b"));
    }

    @Test
    void refusesAbsolutePaths() {
        Path workspace = Workspaces.forTask(root, UUID.randomUUID());

        assertThatThrownBy(() -> Workspaces.resolveInside(workspace, "app", "/tmp"))
                .isInstanceOf(WorkspaceEscapeException.class)
                .hasMessageEndingWith("escapes the workspace")
                .hasMessageContaining("/tmp");
    }

    @Test
    void refusesDotDotEscapes() {
        Path workspace = Workspaces.forTask(root, UUID.randomUUID());

        assertThatThrownBy(() -> Workspaces.resolveInside(workspace, ".."))
                .isInstanceOf(WorkspaceEscapeException.class);
        assertThatThrownBy(() -> Workspaces.resolveInside(workspace, "app", "../../x"))
                .isInstanceOf(WorkspaceEscapeException.class);
        // Leaving and coming back in is not an escape.
        assertThat(Workspaces.resolveInside(workspace, "../" + workspace.getFileName() + "/app"))
                .isEqualTo(workspace.resolve("app"));
    }

    @Test
    void refusesSymbolicLinksThatLeadOutside() throws Exception {
        Path workspace = Workspaces.forTask(root, UUID.randomUUID());
        Path outside = Files.createDirectories(root.resolve("outside/deeper"));
        Files.createSymbolicLink(workspace.resolve("link"), outside.getParent());
        Files.createDirectories(workspace.resolve("real"));
        Files.createSymbolicLink(workspace.resolve("inner-link"), workspace.resolve("real"));

        assertThatThrownBy(() -> Workspaces.resolveInside(workspace, "link"))
                .isInstanceOf(WorkspaceEscapeException.class);
        assertThatThrownBy(() -> Workspaces.resolveInside(workspace, "link", "deeper"))
                .isInstanceOf(WorkspaceEscapeException.class);
        assertThatThrownBy(() -> Workspaces.resolveInside(workspace, "link", "not-yet-created"))
                .isInstanceOf(WorkspaceEscapeException.class);
        assertThat(Workspaces.resolveInside(workspace, "inner-link")).isEqualTo(workspace.resolve("inner-link"));
    }

    @Test
    void aWorkspaceUnderASymlinkedRootIsStillInside() throws Exception {
        Path realRoot = Files.createDirectories(root.resolve("real-root"));
        Path linkedRoot = Files.createSymbolicLink(root.resolve("linked-root"), realRoot);
        Path workspace = Workspaces.forTask(linkedRoot, UUID.randomUUID());
        Files.createDirectories(workspace.resolve("app"));

        assertThat(Workspaces.resolveInside(workspace, "app")).isEqualTo(workspace.resolve("app"));
    }
}
