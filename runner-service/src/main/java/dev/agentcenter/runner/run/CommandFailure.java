package dev.agentcenter.runner.run;

/** A command (or the agent) that ended badly, with its exit code kept for the run. */
final class CommandFailure extends RunFailure {
    private final int exitCode;

    CommandFailure(String code, String message, int exitCode) {
        super(code, message);
        this.exitCode = exitCode;
    }

    int exitCode() {
        return exitCode;
    }
}
