package dev.agentcenter.runner.sandbox;

import dev.agentcenter.runner.execution.ShellCommand;
import java.io.IOException;
import java.time.Duration;

/**
 * No isolation: processes run on the host as the runner's user, seeing what it sees. Chosen by {@code
 * RUNNER_SANDBOX=none}, or by {@code auto} when bubblewrap does not work here; a run that requires a sandbox is
 * refused with {@link SandboxUnavailableException}.
 */
final class NoSandbox implements Sandbox {

    private final String reason;

    /** @param reason why there is no sandbox, for runs that require one */
    NoSandbox(String reason) {
        this.reason = reason;
    }

    @Override
    public Isolation isolation() {
        return Isolation.NONE;
    }

    @Override
    public Session open(SandboxScope scope) {
        if (scope.required()) {
            throw new SandboxUnavailableException("The task requires a sandbox (config.sandbox.required), and this"
                    + " runner has none: " + reason + " The run did not start any process.");
        }
        return new Session() {
            @Override
            public ShellCommand.Running start(
                    ShellCommand.ArgvSpec spec, ShellCommand.OutputSink sink, Duration timeoutGrace)
                    throws IOException {
                return ShellCommand.start(spec, sink, timeoutGrace);
            }

            @Override
            public void close() {}
        };
    }

    String reason() {
        return reason;
    }
}
