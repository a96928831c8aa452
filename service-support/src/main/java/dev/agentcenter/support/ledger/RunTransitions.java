package dev.agentcenter.support.ledger;

import dev.agentcenter.model.RunStatus;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The run status state machine: which status a run may move to from which. Every status write of the ledger is
 * guarded with {@link #guard}, so a write that lost a race (the run was cancelled, swept or finished meanwhile)
 * matches no row instead of moving a run backwards or out of a terminal status.
 */
public final class RunTransitions {

    private static final Map<RunStatus, Set<RunStatus>> FROM = new EnumMap<>(RunStatus.class);

    static {
        // claimed by a worker
        FROM.put(RunStatus.PROVISIONING, EnumSet.of(RunStatus.QUEUED));
        // a dispatch that did not reach the runner, a worker stopping, a lease that expired before the start
        FROM.put(RunStatus.QUEUED, EnumSet.of(RunStatus.PROVISIONING));
        FROM.put(RunStatus.CLONING, EnumSet.of(RunStatus.PROVISIONING));
        FROM.put(RunStatus.RUNNING, EnumSet.of(RunStatus.PROVISIONING, RunStatus.CLONING));
        FROM.put(RunStatus.COMPLETED, EnumSet.of(RunStatus.RUNNING));
        FROM.put(RunStatus.FAILED, EnumSet.of(RunStatus.PROVISIONING, RunStatus.CLONING, RunStatus.RUNNING));
        FROM.put(
                RunStatus.CANCELLED,
                EnumSet.of(RunStatus.QUEUED, RunStatus.PROVISIONING, RunStatus.CLONING, RunStatus.RUNNING));
    }

    private RunTransitions() {}

    /** Whether a run in {@code from} may move to {@code to}. A terminal status is never left. */
    public static boolean allowed(RunStatus from, RunStatus to) {
        return FROM.get(to).contains(from);
    }

    /** SQL condition on {@code status}: true only for rows that may move to {@code to}. */
    static String guard(RunStatus to) {
        return "status IN ("
                + FROM.get(to).stream().map(s -> "'" + s.wire() + "'").collect(Collectors.joining(", ")) + ")";
    }

    /** The statuses of a run that is held (or about to be held) by a runner. */
    static final String ACTIVE = "status IN ('provisioning', 'cloning', 'running')";
}
