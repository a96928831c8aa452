package dev.agentcenter.sdk;

import dev.agentcenter.model.Page;
import dev.agentcenter.model.Runner;

/** Registered runners ({@code /api/runners}), read-only. */
public final class RunnerService {

    private final Transport transport;

    RunnerService(Transport transport) {
        this.transport = transport;
    }

    /**
     * Every registered runner with its status, capacity and load (a single page).
     *
     * @return the runners
     */
    public Page<Runner> list() {
        return transport.call("GET", "/api/runners", null, null, true, transport.type(Page.class, Runner.class));
    }
}
