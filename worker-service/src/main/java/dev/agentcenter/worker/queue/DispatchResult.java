package dev.agentcenter.worker.queue;

/** What a runner said to a dispatch, reduced to what the worker does next. */
record DispatchResult(Kind kind, String reason) {

    enum Kind {
        /** The runner took the run (or already had it: dispatch is idempotent per run and attempt). */
        ACCEPTED,
        /** Busy, draining, unreachable, too slow or answering nonsense: try again later, maybe elsewhere. */
        RETRY,
        /** The runner refused our token: retrying cannot help, the configuration is wrong. */
        AUTH_REJECTED,
        /** The runner says the run is not its to run (ended, or held under another lease): leave it alone. */
        NOT_DISPATCHABLE
    }

    static DispatchResult accepted(String note) {
        return new DispatchResult(Kind.ACCEPTED, note);
    }

    static DispatchResult retry(String reason) {
        return new DispatchResult(Kind.RETRY, reason);
    }
}
