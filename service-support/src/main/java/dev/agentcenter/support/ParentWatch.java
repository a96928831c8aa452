package dev.agentcenter.support;

import java.util.Map;

/**
 * Ends this process when the launcher that started it ends, even if the launcher was killed with SIGKILL and
 * could not stop its children: the local stack leaves no orphaned service behind.
 */
public final class ParentWatch {

    private ParentWatch() {}

    /** Starts watching when {@code AGENT_CENTER_PARENT_PID} names a process. */
    public static void startIfRequested(Map<String, String> env) {
        String pid = env.get("AGENT_CENTER_PARENT_PID");
        if (pid == null || pid.isBlank()) {
            return;
        }
        ProcessHandle.of(Long.parseLong(pid.strip()))
                .ifPresentOrElse(
                        parent -> {
                            Thread watcher = Thread.ofPlatform()
                                    .daemon()
                                    .name("parent-watch")
                                    .unstarted(() -> {
                                        parent.onExit().join();
                                        System.exit(0);
                                    });
                            watcher.start();
                        },
                        () -> System.exit(0));
    }
}
