package dev.agentcenter.runner.run;

import dev.agentcenter.model.RunDiff;
import dev.agentcenter.model.RunEventTypes;
import dev.agentcenter.model.RunStatus;
import dev.agentcenter.runner.execution.GitWorkspace;
import dev.agentcenter.support.ledger.LeasedRun;
import dev.agentcenter.support.ledger.RunEventWriter.Draft;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Step 5, finish: the workspace's diff, then the final status with its events and the diff in one transaction,
 * fenced by the lease (retried by the journal while Postgres cannot be reached).
 */
final class FinishStep {

    private static final Logger log = LoggerFactory.getLogger(FinishStep.class);

    private final RunScope run;

    FinishStep(RunScope run) {
        this.run = run;
    }

    /** Writes the final status, its events and the diff in one transaction. */
    RunExecution.Outcome finish(
            RunExecution.Outcome outcome,
            String errorCode,
            String errorMessage,
            Integer exitCode,
            Path workspace,
            GitWorkspace.DiffResult diff) {
        run.ending();
        String status = outcome.name().toLowerCase(java.util.Locale.ROOT);
        String level = switch (outcome) {
            case COMPLETED -> "info";
            case CANCELLED -> "warn";
            case FAILED -> "error";
        };
        String summary = switch (outcome) {
            case COMPLETED -> "Run completed";
            case CANCELLED -> errorMessage;
            case FAILED -> errorMessage;
        };
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("status", status);
        if (errorCode != null) {
            payload.put("code", errorCode);
        }
        if (exitCode != null) {
            payload.put("exitCode", exitCode);
        }
        if (workspace != null) {
            payload.put("workspacePath", workspace.toAbsolutePath().toString());
        }
        if ("time_limit_exceeded".equals(errorCode)) {
            payload.put("maxRunSeconds", run.properties().maxRunDuration().toSeconds());
        }
        if (run.outputLimited()) {
            payload.put("maxOutputBytes", run.properties().maxOutputBytes());
            payload.put("droppedOutputBytes", run.journal().droppedOutputBytes());
        }
        List<Draft> drafts = List.of(
                run.draft(RunEventTypes.RUN_STATUS_CHANGED, level, "Run " + status, Map.of("status", status)),
                run.draft(RunEventTypes.ended(RunStatus.fromWire(status)), level, summary, payload));
        // Retried by the journal while Postgres cannot be reached: false only when the run is no longer ours.
        LeasedRun.Diff stored = diff == null ? null : stored(diff);
        boolean recorded = run.journal()
                .commit(
                        drafts,
                        connection -> run.leased()
                                .finish(
                                        connection,
                                        RunStatus.fromWire(status),
                                        errorCode,
                                        errorMessage,
                                        exitCode,
                                        stored));
        if (recorded) {
            run.metrics().runFinished(status, run.sinceAccepted());
        } else {
            log.warn(
                    "Run {} ended {} here, but that was not recorded: the run is no longer held by this runner",
                    run.runId(),
                    status);
        }
        return outcome;
    }

    GitWorkspace.DiffResult diff(GitWorkspace git, String base) {
        try {
            if (base == null) {
                if (git.isEmptyDirectory()) {
                    return GitWorkspace.DiffResult.EMPTY; // a baseline of nothing, and still nothing: no git at all
                }
                base = git.laterBaselineOfNothing();
            }
            return git.diffSince(base, run.properties().maxPatchBytes());
        } catch (RuntimeException e) {
            run.journal()
                    .log(run.draft(
                            RunEventTypes.RUN_LOG,
                            "warn",
                            "Could not compute the workspace diff: " + e.getMessage(),
                            Map.of("source", "runner")));
            return null;
        }
    }

    /** The diff as the ledger stores it: JSON, redacted, without NUL (Postgres text cannot hold it). */
    private LeasedRun.Diff stored(GitWorkspace.DiffResult diff) {
        return new LeasedRun.Diff(
                run.json().writeValueAsString(diff.files()),
                run.json().writeValueAsString(diff.stats() == null ? new RunDiff.Stats(0, 0, 0) : diff.stats()),
                run.redactor().redact(diff.patch()).replace("\0", ""),
                diff.truncated());
    }
}
