package dev.agentcenter.api.run;

import dev.agentcenter.api.web.ApiException;
import dev.agentcenter.api.web.JsonColumns;
import dev.agentcenter.model.EventLevel;
import dev.agentcenter.support.events.RunEventWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;
import org.springframework.jdbc.datasource.DataSourceUtils;
import org.springframework.stereotype.Component;

/**
 * Appends run events from the API (run created, cancel requested, …) through the shared {@link RunEventWriter},
 * on the connection of the current Spring transaction.
 */
@Component
public class RunEventLog {

    private final DataSource dataSource;
    private final JsonColumns json;

    RunEventLog(DataSource dataSource, JsonColumns json) {
        this.dataSource = dataSource;
        this.json = json;
    }

    /** Appends one event in the caller's transaction and returns its sequence. */
    public long append(UUID runId, String eventType, EventLevel level, String message, Map<String, Object> payload) {
        Connection connection = DataSourceUtils.getConnection(dataSource);
        try {
            return RunEventWriter.append(
                            connection,
                            runId,
                            null,
                            List.of(new RunEventWriter.Draft(
                                    eventType, level.name().toLowerCase(Locale.ROOT), message, json.write(payload))))
                    .orElseThrow(() -> ApiException.notFound("run", runId));
        } catch (SQLException e) {
            throw new IllegalStateException("Could not append a run event", e);
        } finally {
            DataSourceUtils.releaseConnection(connection, dataSource);
        }
    }
}
