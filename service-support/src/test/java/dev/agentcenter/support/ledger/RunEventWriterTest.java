package dev.agentcenter.support.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import dev.agentcenter.support.EmbeddedPostgresHost;
import dev.agentcenter.support.PostgresBinaries;
import dev.agentcenter.support.ledger.RunEventWriter.Draft;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunEventWriterTest {

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
                    CREATE TABLE runs (id uuid PRIMARY KEY, lease_token uuid, last_sequence bigint NOT NULL DEFAULT 0,
                        last_event_batch uuid);
                    CREATE TABLE run_events (run_id uuid NOT NULL REFERENCES runs (id), sequence bigint NOT NULL,
                        event_type text NOT NULL, level text NOT NULL, message text, payload jsonb NOT NULL,
                        created_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (run_id, sequence));
                    """);
        }
    }

    @AfterAll
    static void stop() {
        postgres.close();
    }

    @Test
    void aBatchWrittenAgainWithTheSameIdIsRecognisedNotStoredTwice() throws Exception {
        UUID lease = UUID.randomUUID();
        UUID run = newRun(lease);
        UUID first = UUID.randomUUID();
        List<Draft> drafts = List.of(draft("a"), draft("b"));
        try (Connection c = connect()) {
            assertThat(RunEventWriter.appendBatch(c, run, lease, first, drafts))
                    .isEqualTo(RunEventWriter.BatchOutcome.WRITTEN);
            // the same batch again, as a writer does that never heard back from its COMMIT
            assertThat(RunEventWriter.appendBatch(c, run, lease, first, drafts))
                    .isEqualTo(RunEventWriter.BatchOutcome.ALREADY_WRITTEN);
            assertThat(RunEventWriter.appendBatch(c, run, lease, UUID.randomUUID(), List.of(draft("c"))))
                    .isEqualTo(RunEventWriter.BatchOutcome.WRITTEN);
            assertThat(RunEventWriter.appendBatch(c, run, UUID.randomUUID(), UUID.randomUUID(), List.of(draft("x"))))
                    .as("another lease")
                    .isEqualTo(RunEventWriter.BatchOutcome.REFUSED);
            assertThat(RunEventWriter.appendBatch(c, run, UUID.randomUUID(), first, drafts))
                    .as("the fence wins over a matching batch id")
                    .isEqualTo(RunEventWriter.BatchOutcome.REFUSED);
            try (var rows = c.createStatement()
                    .executeQuery("SELECT string_agg(message, ',' ORDER BY sequence), max(sequence) FROM run_events"
                            + " WHERE run_id = '" + run + "'")) {
                rows.next();
                assertThat(rows.getString(1)).isEqualTo("a,b,c");
                assertThat(rows.getLong(2)).isEqualTo(3);
            }
        }
    }

    private static Draft draft(String message) {
        return new Draft("run.log", "info", message, "{}");
    }

    private static Connection connect() throws Exception {
        return DriverManager.getConnection(
                postgres.settings().jdbcUrl(),
                postgres.settings().username(),
                postgres.settings().password());
    }

    private static UUID newRun(UUID lease) throws Exception {
        UUID id = UUID.randomUUID();
        try (Connection c = connect();
                var s = c.prepareStatement("INSERT INTO runs (id, lease_token) VALUES (?, ?)")) {
            s.setObject(1, id);
            s.setObject(2, lease);
            s.execute();
        }
        return id;
    }

    @Test
    void appendsABatchWithConsecutiveSequencesAndKeepsPayloads() throws Exception {
        UUID run = newRun(null);
        try (Connection c = connect()) {
            var last = RunEventWriter.append(
                    c,
                    run,
                    null,
                    List.of(
                            new Draft("run.log", "info", "one", "{\"stream\":\"stdout\",\"commandIndex\":0}"),
                            new Draft("run.log", "warn", "two\0with nul", null)));
            assertThat(last).hasValue(2);
            assertThat(RunEventWriter.append(c, run, null, List.of(new Draft("run.completed", "info", "done", "{}"))))
                    .hasValue(3);
            try (var rows = c.createStatement()
                    .executeQuery("SELECT sequence, message, payload->>'stream' FROM run_events WHERE run_id = '" + run
                            + "' ORDER BY sequence")) {
                List<String> seen = new ArrayList<>();
                while (rows.next()) {
                    seen.add(rows.getLong(1) + ":" + rows.getString(2) + ":" + rows.getString(3));
                }
                assertThat(seen).containsExactly("1:one:stdout", "2:twowith nul:null", "3:done:null");
            }
        }
    }

    @Test
    void aStaleLeaseCannotWrite() throws Exception {
        UUID lease = UUID.randomUUID();
        UUID run = newRun(lease);
        try (Connection c = connect()) {
            assertThat(RunEventWriter.append(c, run, lease, List.of(new Draft("run.log", "info", "mine", null))))
                    .hasValue(1);
            assertThat(RunEventWriter.append(
                            c, run, UUID.randomUUID(), List.of(new Draft("run.log", "info", "x", null))))
                    .isEmpty();
            try (var rows =
                    c.createStatement().executeQuery("SELECT count(*) FROM run_events WHERE run_id = '" + run + "'")) {
                rows.next();
                assertThat(rows.getInt(1)).isEqualTo(1);
            }
        }
    }

    @Test
    void concurrentWritersNeverLeaveAGapInCommitOrder() throws Exception {
        UUID run = newRun(null);
        var pool = Executors.newFixedThreadPool(4);
        List<Callable<Void>> writers = new ArrayList<>();
        for (int w = 0; w < 4; w++) {
            int writer = w;
            writers.add(() -> {
                try (Connection c = connect()) {
                    c.setAutoCommit(false);
                    for (int i = 0; i < 50; i++) {
                        RunEventWriter.append(
                                c,
                                run,
                                null,
                                List.of(
                                        new Draft("run.log", "info", writer + "-" + i, null),
                                        new Draft("run.log", "info", writer + "-" + i + "b", null)));
                        c.commit();
                    }
                }
                return null;
            });
        }
        try {
            for (Future<Void> f : pool.invokeAll(writers)) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        try (Connection c = connect();
                var rows = c.createStatement()
                        .executeQuery("SELECT count(*), min(sequence), max(sequence) FROM run_events WHERE run_id = '"
                                + run + "'")) {
            rows.next();
            assertThat(rows.getLong(1)).isEqualTo(400);
            assertThat(rows.getLong(2)).isEqualTo(1);
            assertThat(rows.getLong(3)).isEqualTo(400);
        }
    }
}
