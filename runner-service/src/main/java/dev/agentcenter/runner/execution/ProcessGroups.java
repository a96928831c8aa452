package dev.agentcenter.runner.execution;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/**
 * Signals and inspects process groups. Java has no API for process groups, so signals go through the {@code kill}
 * binary and liveness is read from {@code /proc} (Linux), falling back to {@code kill -0}.
 */
final class ProcessGroups {

    private static final Path PROC = Path.of("/proc");

    private ProcessGroups() {}

    /**
     * Sends {@code signal} (e.g. {@code TERM}) to every process of group {@code pgid}; true if at least one process
     * received it, false when the group is empty.
     */
    static boolean signal(long pgid, String signal) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + signal, "--", "-" + pgid)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            return waitUninterruptibly(kill) == 0;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * True while a process of group {@code pgid}, or one of {@code pids}, still runs. Zombies do not count: they are
     * dead, only waiting for their parent (or init) to reap them.
     */
    static boolean alive(long pgid, Set<Long> pids) {
        if (!Files.isReadable(PROC.resolve("self/stat"))) {
            return signal(pgid, "0")
                    || pids.stream()
                            .anyMatch(pid -> ProcessHandle.of(pid)
                                    .map(ProcessHandle::isAlive)
                                    .orElse(false));
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(PROC, ProcessGroups::isPidDirectory)) {
            for (Path entry : entries) {
                long pid = Long.parseLong(entry.getFileName().toString());
                long[] statePgrp = stateAndGroup(entry);
                if (statePgrp == null || statePgrp[0] == 'Z' || statePgrp[0] == 'X') {
                    continue;
                }
                if (statePgrp[1] == pgid || pids.contains(pid)) {
                    return true;
                }
            }
            return false;
        } catch (IOException e) {
            return signal(pgid, "0");
        }
    }

    private static boolean isPidDirectory(Path path) {
        String name = path.getFileName().toString();
        return !name.isEmpty() && name.chars().allMatch(Character::isDigit);
    }

    /** {@code [state, pgrp]} from {@code /proc/<pid>/stat}, or null if the process is gone. */
    private static long[] stateAndGroup(Path processDirectory) {
        String stat;
        try {
            stat = Files.readString(processDirectory.resolve("stat"));
        } catch (IOException | RuntimeException e) {
            return null;
        }
        // "pid (comm) state ppid pgrp ..." where comm may itself contain spaces and parentheses.
        int close = stat.lastIndexOf(')');
        if (close < 0) {
            return null;
        }
        String[] fields = stat.substring(close + 1).trim().split(" ", 4);
        if (fields.length < 3) {
            return null;
        }
        try {
            return new long[] {fields[0].charAt(0), Long.parseLong(fields[2])};
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static int waitUninterruptibly(Process process) {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return process.waitFor();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
