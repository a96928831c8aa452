package dev.agentcenter.worker;

import dev.agentcenter.support.events.RunEventWriter;
import dev.agentcenter.support.events.RunEventWriter.Draft;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;
import org.springframework.jdbc.UncategorizedSQLException;
import org.springframework.jdbc.datasource.DataSourceUtils;
import tools.jackson.databind.json.JsonMapper;

/**
 * Appends the worker's run events through the shared {@link RunEventWriter}, on the connection of the current
 * Spring transaction, so that every event commits (or not) together with the status change it describes.
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
     * Appends the drafts to the run, unfenced: the worker only calls this after a status change that matched the
     * row (or while holding the row lock), which is its fence.
     *
     * @return whether the run exists (false: nothing was written)
     */
    public boolean append(UUID runId, Draft... drafts) {
        Connection connection = DataSourceUtils.getConnection(dataSource);
        try {
            return RunEventWriter.append(connection, runId, null, List.of(drafts))
                    .isPresent();
        } catch (SQLException e) {
            throw new UncategorizedSQLException("append run events", null, e);
        } finally {
            DataSourceUtils.releaseConnection(connection, dataSource);
        }
    }
}
