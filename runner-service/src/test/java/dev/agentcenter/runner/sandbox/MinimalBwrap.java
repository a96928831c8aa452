package dev.agentcenter.runner.sandbox;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A plain bubblewrap sandbox for the {@code net} and {@code limits} tests, which exercise their own part without the
 * runner's backend: the host read-only, private {@code /tmp} and {@code /run}, its own PID namespace.
 */
public final class MinimalBwrap {

    private MinimalBwrap() {}

    /** {@code bwrap} and its options, with {@code writable} directories bound read-write; no {@code --} yet. */
    public static List<String> argv(Path... writable) {
        List<String> argv = new ArrayList<>(List.of(
                "bwrap",
                "--ro-bind",
                "/",
                "/",
                "--dev",
                "/dev",
                "--proc",
                "/proc",
                "--tmpfs",
                "/tmp",
                "--tmpfs",
                "/run",
                "--unshare-pid",
                "--die-with-parent"));
        for (Path path : writable) {
            argv.addAll(List.of("--bind", path.toString(), path.toString()));
        }
        return argv;
    }
}
