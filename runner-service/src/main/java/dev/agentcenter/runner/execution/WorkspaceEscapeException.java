package dev.agentcenter.runner.execution;

/** A path given by a task (project root, working directory, command cwd) points outside its workspace. */
public class WorkspaceEscapeException extends RuntimeException {

    public WorkspaceEscapeException(String path) {
        super("Path '" + path + "' escapes the workspace");
    }
}
