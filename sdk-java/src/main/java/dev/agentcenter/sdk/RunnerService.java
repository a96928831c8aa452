package dev.agentcenter.sdk;

import dev.agentcenter.model.Page;
import dev.agentcenter.model.Runner;
import java.util.UUID;

/** Registered runners ({@code /api/runners}): they register themselves; an operator drains and resumes them. */
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

    /**
     * Drains the runner: it takes no new runs, its runs in flight finish, and later runs of its tasks are re-homed to
     * other runners (with a {@code run.rehomed} event). Draining twice keeps the first time.
     *
     * @return the runner, now {@code draining}
     * @throws NotFoundException when there is no such runner
     */
    public Runner drain(UUID id) {
        return transport.call("POST", "/api/runners/" + id + "/drain", null, null, true, Runner.class);
    }

    /**
     * Undoes a drain: the runner takes runs again.
     *
     * @return the runner
     * @throws NotFoundException when there is no such runner
     */
    public Runner resume(UUID id) {
        return transport.call("POST", "/api/runners/" + id + "/resume", null, null, true, Runner.class);
    }
}
