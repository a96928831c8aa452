package dev.agentcenter.runner.sandbox.limits;

/** A limit a run went past; its {@link #code()} is the run's error code. */
public enum LimitBreach {
    MEMORY("memory_limit_exceeded", "RUNNER_SANDBOX_MEMORY", "used more memory than"),
    PROCESSES("process_limit_exceeded", "RUNNER_SANDBOX_PROCESSES", "tried to run more processes and threads than"),
    DISK("disk_limit_exceeded", "RUNNER_SANDBOX_DISK", "filled its workspace past");

    private final String code;
    private final String variable;
    private final String what;

    LimitBreach(String code, String variable, String what) {
        this.code = code;
        this.variable = variable;
        this.what = what;
    }

    public String code() {
        return code;
    }

    /** For the run's error message, e.g. "The run used more memory than its limit of 4GB (RUNNER_SANDBOX_MEMORY)…". */
    public String message(ResourceLimits limits) {
        String limit = switch (this) {
            case MEMORY -> limits.memory().toMegabytes() + " MB";
            case PROCESSES -> String.valueOf(limits.processes());
            case DISK -> limits.disk().toMegabytes() + " MB";
        };
        return "The run " + what + " its limit of " + limit + " (" + variable + "), so it was stopped.";
    }
}
