package dev.agentcenter.support.ledger;

import dev.agentcenter.model.RunStatus;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.UUID;

/**
 * A runner's writes to the run it holds, each fenced by the lease token (and guarded by the state machine): once
 * the run is no longer held under this lease (swept, cancelled, handed to another runner) every write matches no
 * row and returns false. Plain JDBC on the connection given, which the runner's journal owns (it retries through
 * database outages and commits each write together with its events).
 */
public final class LeasedRun {

    private final UUID runId;
    private final UUID leaseToken;

    public LeasedRun(UUID runId, UUID leaseToken) {
        this.runId = runId;
        this.leaseToken = leaseToken;
    }

    /** The runner started work: when (the first time) and where. */
    public boolean markStarted(Connection connection, String workspacePath) throws SQLException {
        return update(
                connection,
                "UPDATE runs SET started_at = COALESCE(started_at, now()), workspace_path = ?, updated_at = now()"
                        + " WHERE id = ? AND lease_token = ? AND " + RunTransitions.ACTIVE,
                workspacePath);
    }

    /** Moves the run to an active status ({@code cloning}, {@code running}). */
    public boolean moveTo(Connection connection, RunStatus status) throws SQLException {
        if (status.terminal()) {
            throw new IllegalArgumentException("use finish() to end a run");
        }
        return update(
                connection,
                "UPDATE runs SET status = ?, updated_at = now() WHERE id = ? AND lease_token = ? AND "
                        + RunTransitions.guard(status),
                status.wire());
    }

    /** A workspace diff as stored: files and stats as JSON, the patch already redacted. */
    public record Diff(String filesJson, String statsJson, String patch, boolean truncated) {}

    /**
     * Ends the run: its terminal status, error and exit code, and its diff (if any); the lease stops counting. The
     * diff is stored only when the status was.
     */
    public boolean finish(
            Connection connection, RunStatus status, String errorCode, String errorMessage, Integer exitCode, Diff diff)
            throws SQLException {
        if (!status.terminal()) {
            throw new IllegalArgumentException(status.wire() + " does not end a run");
        }
        boolean ended = update(
                connection,
                """
                        UPDATE runs SET status = ?, finished_at = now(), error_code = ?, error_message = ?,
                                        exit_code = ?, lease_expires_at = NULL, updated_at = now()
                        WHERE id = ? AND lease_token = ?""" + " AND " + RunTransitions.guard(status),
                status.wire(),
                errorCode,
                errorMessage,
                exitCode);
        if (ended && diff != null) {
            storeDiff(connection, diff);
        }
        return ended;
    }

    private void storeDiff(Connection connection, Diff diff) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("""
                INSERT INTO run_diffs (run_id, files, stats, patch, truncated)
                VALUES (?, CAST(? AS jsonb), CAST(? AS jsonb), ?, ?)
                ON CONFLICT (run_id) DO UPDATE SET files = EXCLUDED.files, stats = EXCLUDED.stats,
                    patch = EXCLUDED.patch, truncated = EXCLUDED.truncated, created_at = now()""")) {
            statement.setObject(1, runId);
            statement.setString(2, diff.filesJson());
            statement.setString(3, diff.statsJson());
            statement.setString(4, diff.patch());
            statement.setBoolean(5, diff.truncated());
            statement.executeUpdate();
        }
    }

    /** The branch the run's delivery generated. */
    public boolean setBranch(Connection connection, String branchName) throws SQLException {
        return update(
                connection,
                "UPDATE runs SET branch_name = ?, updated_at = now() WHERE id = ? AND lease_token = ?",
                branchName);
    }

    /** The pull request the run's delivery opened. */
    public boolean setPullRequest(Connection connection, String url, int number) throws SQLException {
        return update(
                connection,
                "UPDATE runs SET pull_request_url = ?, pull_request_number = ?, updated_at = now()"
                        + " WHERE id = ? AND lease_token = ?",
                url,
                number);
    }

    /** Extends the lease by {@code seconds} from now, while the run is active and still ours. */
    public boolean renewLease(Connection connection, int seconds) throws SQLException {
        return update(connection, """
                        UPDATE runs SET lease_expires_at = now() + make_interval(secs => ?)
                         WHERE id = ? AND lease_token = ? AND status IN ('provisioning', 'cloning', 'running')""", seconds);
    }

    /** Fenced row update: the last two parameters are always the run id and lease token. */
    private boolean update(Connection connection, String sql, Object... values) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            int i = 1;
            for (Object value : values) {
                statement.setObject(i++, value);
            }
            statement.setObject(i++, runId);
            statement.setObject(i, leaseToken);
            return statement.executeUpdate() == 1;
        }
    }
}
