package dev.agentcenter.support.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentcenter.model.RunStatus;
import dev.agentcenter.support.EmbeddedPostgresHost;
import dev.agentcenter.support.PostgresBinaries;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The runner's writes: fenced by the lease and guarded by the state machine, against a real Postgres. */
class LeasedRunTest {

    @TempDir
    static Path dataDirectory;

    static EmbeddedPostgresHost postgres;

    @BeforeAll
    static void schema() throws Exception {
        postgres = EmbeddedPostgresHost.startOrJoin(
                dataDirectory.resolve("data"),
                PostgresBinaries.perUserRoot(),
                EmbeddedPostgresHost.Durability.THROWAWAY);
        try (Connection c = connect()) {
            // the slice of the real schema this class relies on
            c.createStatement().execute("""
                    CREATE TABLE runs (id uuid PRIMARY KEY, status text NOT NULL, lease_token uuid,
                        lease_expires_at timestamptz, started_at timestamptz, finished_at timestamptz,
                        workspace_path text, error_code text, error_message text, exit_code int, branch_name text,
                        pull_request_url text, pull_request_number int, updated_at timestamptz);
                    CREATE TABLE run_diffs (run_id uuid PRIMARY KEY REFERENCES runs (id), files jsonb NOT NULL,
                        stats jsonb NOT NULL, patch text, truncated boolean NOT NULL,
                        created_at timestamptz NOT NULL DEFAULT now());
                    """);
        }
    }

    @AfterAll
    static void stop() {
        postgres.close();
    }

    @Test
    void aRunMovesForwardOnlyAndEndsOnce() throws Exception {
        UUID lease = UUID.randomUUID();
        UUID run = newRun("provisioning", lease);
        LeasedRun leased = new LeasedRun(run, lease);
        try (Connection c = connect()) {
            assertThat(leased.markStarted(c, "/work/ws")).isTrue();
            assertThat(leased.moveTo(c, RunStatus.CLONING)).isTrue();
            assertThat(leased.moveTo(c, RunStatus.RUNNING)).isTrue();
            assertThat(leased.moveTo(c, RunStatus.CLONING))
                    .as("running never goes back to cloning")
                    .isFalse();
            LeasedRun.Diff diff = new LeasedRun.Diff("[]", "{\"files\":0}", "", false);
            assertThat(leased.finish(c, RunStatus.COMPLETED, null, null, 0, diff))
                    .isTrue();
            assertThat(leased.finish(c, RunStatus.FAILED, "late", "too late", 1, null))
                    .as("a terminal status is never left")
                    .isFalse();
            assertThat(leased.moveTo(c, RunStatus.RUNNING)).isFalse();
            assertThat(leased.renewLease(c, 30)).as("no lease for an ended run").isFalse();
            assertThat(value(c, "SELECT status FROM runs WHERE id = '" + run + "'"))
                    .isEqualTo("completed");
            assertThat(value(c, "SELECT count(*) FROM run_diffs WHERE run_id = '" + run + "'"))
                    .isEqualTo("1");
        }
    }

    @Test
    void anotherLeaseWritesNothing() throws Exception {
        UUID run = newRun("running", UUID.randomUUID());
        LeasedRun stranger = new LeasedRun(run, UUID.randomUUID());
        try (Connection c = connect()) {
            assertThat(stranger.renewLease(c, 30)).isFalse();
            assertThat(stranger.setBranch(c, "agent/x")).isFalse();
            assertThat(stranger.setPullRequest(c, "https://example.test/pr/1", 1))
                    .isFalse();
            LeasedRun.Diff diff = new LeasedRun.Diff("[]", "{}", "patch", false);
            assertThat(stranger.finish(c, RunStatus.FAILED, "x", "y", null, diff))
                    .isFalse();
            assertThat(value(c, "SELECT status FROM runs WHERE id = '" + run + "'"))
                    .isEqualTo("running");
            assertThat(value(c, "SELECT count(*) FROM run_diffs WHERE run_id = '" + run + "'"))
                    .as("no diff without the status")
                    .isEqualTo("0");
        }
    }

    @Test
    void statusesAreNotMixedUp() {
        LeasedRun leased = new LeasedRun(UUID.randomUUID(), UUID.randomUUID());
        assertThatThrownBy(() -> leased.moveTo(null, RunStatus.COMPLETED)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> leased.finish(null, RunStatus.RUNNING, null, null, null, null))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theStateMachineNeverLeavesATerminalStatus() {
        for (RunStatus from : RunStatus.values()) {
            for (RunStatus to : RunStatus.values()) {
                if (from.terminal()) {
                    assertThat(RunTransitions.allowed(from, to))
                            .as(from + " -> " + to)
                            .isFalse();
                }
            }
        }
        assertThat(RunTransitions.allowed(RunStatus.QUEUED, RunStatus.PROVISIONING))
                .isTrue();
        assertThat(RunTransitions.allowed(RunStatus.QUEUED, RunStatus.RUNNING)).isFalse();
        assertThat(RunTransitions.allowed(RunStatus.RUNNING, RunStatus.COMPLETED))
                .isTrue();
        assertThat(RunTransitions.allowed(RunStatus.PROVISIONING, RunStatus.COMPLETED))
                .isFalse();
        assertThat(RunTransitions.guard(RunStatus.RUNNING)).isEqualTo("status IN ('provisioning', 'cloning')");
    }

    private static UUID newRun(String status, UUID lease) throws Exception {
        UUID id = UUID.randomUUID();
        try (Connection c = connect()) {
            c.createStatement()
                    .execute("INSERT INTO runs (id, status, lease_token) VALUES ('" + id + "', '" + status + "', '"
                            + lease + "')");
        }
        return id;
    }

    private static String value(Connection c, String sql) throws Exception {
        try (ResultSet rows = c.createStatement().executeQuery(sql)) {
            rows.next();
            return rows.getString(1);
        }
    }

    private static Connection connect() throws Exception {
        var settings = postgres.settings();
        return DriverManager.getConnection(settings.jdbcUrl(), settings.username(), settings.password());
    }
}
