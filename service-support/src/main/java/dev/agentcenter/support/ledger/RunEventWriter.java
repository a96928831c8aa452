package dev.agentcenter.support.ledger;

import dev.agentcenter.model.EventLevel;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.atomic.LongAdder;

/**
 * Appends run events in the caller's transaction, many per statement.
 *
 * <p>Sequences come from {@code runs.last_sequence}, incremented under the run's row lock, which is held until
 * the transaction commits: commit order therefore equals sequence order, and a reader that follows
 * {@code sequence} can never skip an event that commits later with a smaller number. A {@code NOTIFY run_events}
 * with the run id is sent too; Postgres delivers it at commit and folds duplicates within a transaction.
 *
 * <p>With a lease token the append is fenced: it only happens while the run is still held under that token, so a
 * runner that was presumed dead (its lease expired and the run was failed or handed to another runner) cannot
 * write to it any more.
 *
 * <p>{@link #appendBatch} makes an append idempotent: the batch's id is stored in {@code runs.last_event_batch} in
 * the same transaction, so a writer that lost its connection at COMMIT, and cannot know whether the batch was
 * stored, writes it again with the same id and is told it is already there instead of storing it twice.
 *
 * <p>Part of the run ledger: only the ledger's classes write {@code runs} and {@code run_events} (an architecture
 * test scans the sources for that).
 */
public final class RunEventWriter {

    /** One event to append. {@code payloadJson} is a JSON object as text ({@code null} means {@code {}}). */
    public record Draft(String eventType, String level, String message, String payloadJson) {

        public Draft {
            if (eventType == null || eventType.isBlank()) {
                throw new IllegalArgumentException("eventType is required");
            }
            EventLevel.fromWire(level); // throws for anything but info, warn, error
        }
    }

    /** Events inserted by this process (counted at insert, before commit: a rolled-back batch still counts). */
    private static final LongAdder EVENTS_WRITTEN = new LongAdder();

    /** How many events this process has inserted, for the services' {@code agentcenter.run.events.written} meter. */
    public static long eventsWritten() {
        return EVENTS_WRITTEN.sum();
    }

    private static final String INSERT = """
            INSERT INTO run_events (run_id, sequence, event_type, level, message, payload)
            SELECT ?, u.sequence, u.event_type, u.level, u.message, COALESCE(u.payload::jsonb, '{}'::jsonb)
              FROM unnest(?::bigint[], ?::text[], ?::text[], ?::text[], ?::text[])
                   AS u(sequence, event_type, level, message, payload)""";

    /** What {@link #appendBatch} did. */
    public enum BatchOutcome {
        /** Appended now. */
        WRITTEN,
        /** This batch had been appended before (by an attempt whose answer was lost): nothing written now. */
        ALREADY_WRITTEN,
        /** The fence refused it (the run is not held under the lease any more) or the run does not exist. */
        REFUSED
    }

    private RunEventWriter() {}

    /**
     * Appends the drafts in order as one batch, unless the batch with this id was the last one appended to the run
     * (then nothing is written). Batches of one run must be written one after the other: only the last id is kept.
     * An empty batch only records its id, which makes a row change in the same transaction idempotent too.
     *
     * @param leaseToken fence: append only while the run holds this lease; {@code null} for no fence
     * @param batchId the same for every attempt at the same batch
     */
    public static BatchOutcome appendBatch(
            Connection connection, UUID runId, UUID leaseToken, UUID batchId, List<Draft> drafts) throws SQLException {
        java.util.Objects.requireNonNull(batchId, "batchId");
        int count = drafts.size();
        long last;
        String allocate = "UPDATE runs SET last_sequence = last_sequence + ?, last_event_batch = ? WHERE id = ?"
                + (leaseToken == null ? "" : " AND lease_token = ?")
                + " AND last_event_batch IS DISTINCT FROM ? RETURNING last_sequence";
        try (PreparedStatement statement = connection.prepareStatement(allocate)) {
            int i = 1;
            statement.setInt(i++, count);
            statement.setObject(i++, batchId);
            statement.setObject(i++, runId);
            if (leaseToken != null) {
                statement.setObject(i++, leaseToken);
            }
            statement.setObject(i, batchId);
            try (ResultSet rows = statement.executeQuery()) {
                if (!rows.next()) {
                    return alreadyWritten(connection, runId, leaseToken, batchId)
                            ? BatchOutcome.ALREADY_WRITTEN
                            : BatchOutcome.REFUSED;
                }
                last = rows.getLong(1);
            }
        }
        if (count > 0) {
            insert(connection, runId, last - count + 1, drafts);
        }
        return BatchOutcome.WRITTEN;
    }

    /** The UPDATE matched nothing: the batch was the last one written (under our lease), or the fence refused it. */
    private static boolean alreadyWritten(Connection connection, UUID runId, UUID leaseToken, UUID batchId)
            throws SQLException {
        try (PreparedStatement statement =
                connection.prepareStatement("SELECT lease_token, last_event_batch FROM runs WHERE id = ?")) {
            statement.setObject(1, runId);
            try (ResultSet rows = statement.executeQuery()) {
                return rows.next()
                        && batchId.equals(rows.getObject(2, UUID.class))
                        && (leaseToken == null || leaseToken.equals(rows.getObject(1, UUID.class)));
            }
        }
    }

    /**
     * Appends the drafts in order.
     *
     * @param leaseToken fence: append only while the run holds this lease; {@code null} for no fence
     * @return the sequence of the last event appended, or empty when the fence refused the write (or the run does
     *     not exist)
     */
    public static OptionalLong append(Connection connection, UUID runId, UUID leaseToken, List<Draft> drafts)
            throws SQLException {
        if (drafts.isEmpty()) {
            return OptionalLong.empty();
        }
        int count = drafts.size();
        long last;
        String allocate = "UPDATE runs SET last_sequence = last_sequence + ? WHERE id = ?"
                + (leaseToken == null ? "" : " AND lease_token = ?")
                + " RETURNING last_sequence";
        try (PreparedStatement statement = connection.prepareStatement(allocate)) {
            statement.setInt(1, count);
            statement.setObject(2, runId);
            if (leaseToken != null) {
                statement.setObject(3, leaseToken);
            }
            try (ResultSet rows = statement.executeQuery()) {
                if (!rows.next()) {
                    return OptionalLong.empty();
                }
                last = rows.getLong(1);
            }
        }
        insert(connection, runId, last - count + 1, drafts);
        return OptionalLong.of(last);
    }

    /** Inserts the drafts with sequences {@code first, first + 1, …} and notifies listeners at commit. */
    private static void insert(Connection connection, UUID runId, long first, List<Draft> drafts) throws SQLException {
        int count = drafts.size();
        Long[] sequences = new Long[count];
        String[] types = new String[count];
        String[] levels = new String[count];
        String[] messages = new String[count];
        String[] payloads = new String[count];
        for (int i = 0; i < count; i++) {
            Draft draft = drafts.get(i);
            sequences[i] = first + i;
            types[i] = draft.eventType();
            levels[i] = draft.level();
            messages[i] = stripNul(draft.message());
            payloads[i] = stripNul(draft.payloadJson());
        }
        try (PreparedStatement statement = connection.prepareStatement(INSERT)) {
            statement.setObject(1, runId);
            Array[] arrays = {
                connection.createArrayOf("bigint", sequences),
                connection.createArrayOf("text", types),
                connection.createArrayOf("text", levels),
                connection.createArrayOf("text", messages),
                connection.createArrayOf("text", payloads)
            };
            for (int i = 0; i < arrays.length; i++) {
                statement.setArray(i + 2, arrays[i]);
            }
            statement.executeUpdate();
        }
        EVENTS_WRITTEN.add(count);
        try (PreparedStatement notify = connection.prepareStatement("SELECT pg_notify('run_events', ?)")) {
            notify.setString(1, runId.toString());
            notify.execute();
        }
    }

    /** Postgres text cannot hold NUL; programs do print it. */
    private static String stripNul(String value) {
        return value == null || value.indexOf('\0') < 0 ? value : value.replace("\0", "");
    }
}
