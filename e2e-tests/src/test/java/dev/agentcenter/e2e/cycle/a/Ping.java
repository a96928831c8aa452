package dev.agentcenter.e2e.cycle.a;

import dev.agentcenter.e2e.cycle.b.Pong;

/** Half of a deliberate package cycle: ArchitectureTest checks that its rule sees it. */
public final class Ping {
    private Ping() {}

    public static int next(int n) {
        return n <= 0 ? 0 : Pong.next(n - 1);
    }
}
