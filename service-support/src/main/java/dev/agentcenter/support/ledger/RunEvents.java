package dev.agentcenter.support.ledger;

import dev.agentcenter.support.ledger.RunEventWriter.Draft;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.UUID;
import javax.sql.DataSource;
import org.springframework.jdbc.UncategorizedSQLException;
import org.springframework.jdbc.datasource.DataSourceUtils;
import tools.jackson.databind.json.JsonMapper;

/**
 * Appends run events through {@link RunEventWriter} on the connection of the current Spring transaction (or a
 * connection of its own when there is none), so that every event commits (or not) together with the status change
 * it describes. Unfenced: the API and the worker write after a status change that matched the row, or while
 * holding the row lock, which is their fence.
 */
public final class RunEvents {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final DataSource dataSource;

    public RunEvents(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    /** An event draft with a JSON object payload; {@code null} values are written as JSON null. */
    public static Draft draft(String eventType, String level, String message, Map<String, ?> payload) {
        return new Draft(eventType, level, message, JSON.writeValueAsString(payload));
    }

    /**
     * Appends the drafts to the run.
     *
     * @return the sequence of the last one; empty when the run does not exist (nothing was written)
     */
    public OptionalLong append(UUID runId, Draft... drafts) {
        return append(runId, List.of(drafts));
    }

    /** As {@link #append(UUID, Draft...)}. */
    public OptionalLong append(UUID runId, List<Draft> drafts) {
        Connection connection = DataSourceUtils.getConnection(dataSource);
        try {
            return RunEventWriter.append(connection, runId, null, drafts);
        } catch (SQLException e) {
            throw new UncategorizedSQLException("append run events", null, e);
        } finally {
            DataSourceUtils.releaseConnection(connection, dataSource);
        }
    }

    /**
     * Appends the drafts only if {@code changed}, the row count of the status change they describe, is 1.
     *
     * @return whether the row changed
     */
    public boolean appendIfChanged(int changed, UUID runId, Draft... drafts) {
        if (changed == 1 && drafts.length > 0) {
            append(runId, drafts);
        }
        return changed == 1;
    }
}
