package dev.agentcenter.stack;

import java.io.PrintStream;
import java.nio.file.Path;

/** The launcher's own lines on its stdout: {@code [stack] ...}, errors marked, paths shown relative to the root. */
record Console(PrintStream out, Path root) {

    void info(String message) {
        out.println("[stack] " + message);
    }

    void error(String message) {
        out.println("[stack] ERROR: " + message);
    }

    /** A path relative to the repository root when it is inside it, else absolute. */
    String display(Path path) {
        return path.startsWith(root) ? root.relativize(path).toString() : path.toString();
    }
}
