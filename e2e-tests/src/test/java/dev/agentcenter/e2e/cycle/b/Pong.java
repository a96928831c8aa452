package dev.agentcenter.e2e.cycle.b;

import dev.agentcenter.e2e.cycle.a.Ping;

/** The other half of the deliberate package cycle. */
public final class Pong {
    private Pong() {}

    public static int next(int n) {
        return n <= 0 ? 0 : Ping.next(n - 1);
    }
}
