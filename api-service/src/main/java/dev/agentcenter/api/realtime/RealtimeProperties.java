package dev.agentcenter.api.realtime;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of the realtime fan-out ({@code /ws} and the SSE stream).
 *
 * @param clientBufferBytes outbound bytes queued for one client; past half of it the client lags and catches up from
 *     the in-memory tail or the database at its own pace, past all of it (or after {@code stuckClientTimeout}
 *     without taking anything while lagging) it is closed with 4008 and resumes with {@code afterSequence}
 * @param totalBufferBytes outbound bytes queued for all clients together: past half of it every client lags (catches
 *     up at its own pace instead of having live events queued), past all of it the client whose message does not
 *     fit is closed with 4008
 * @param stuckClientTimeout a lagging client that takes nothing for this long is closed
 * @param pageSize events per database read, for the backlog and for the live feed
 * @param pageBytes a database read also ends once its events reach this many bytes (always at least one event)
 * @param tailSize events each followed run keeps in memory, so that subscribers joining near the head need no query
 * @param tailBytes the same tail bounded by bytes (its events' JSON)
 * @param totalTailBytes bytes of the tails of all followed runs together; a run whose tail cannot grow drops its
 *     oldest events (subscribers then read the database)
 * @param sseHeartbeat how often an SSE stream gets a comment line, to keep proxies from closing it
 * @param listenerApplicationName {@code application_name} of the LISTEN connection (to find it in
 *     {@code pg_stat_activity})
 */
@ConfigurationProperties("agent-center.realtime")
record RealtimeProperties(
        @DefaultValue("8388608") long clientBufferBytes,
        @DefaultValue("67108864") long totalBufferBytes,
        @DefaultValue("30s") Duration stuckClientTimeout,
        @DefaultValue("1000") int pageSize,
        @DefaultValue("1048576") long pageBytes,
        @DefaultValue("2000") int tailSize,
        @DefaultValue("1048576") long tailBytes,
        @DefaultValue("33554432") long totalTailBytes,
        @DefaultValue("15s") Duration sseHeartbeat,
        @DefaultValue("agent-center-api-realtime") String listenerApplicationName) {

    RealtimeProperties {
        if (clientBufferBytes < 65_536) {
            throw new IllegalArgumentException("agent-center.realtime.client-buffer-bytes must be at least 65536");
        }
        if (pageSize < 1 || tailSize < 0) {
            throw new IllegalArgumentException("agent-center.realtime.page-size must be positive, tail-size >= 0");
        }
        if (totalBufferBytes < clientBufferBytes) {
            throw new IllegalArgumentException(
                    "agent-center.realtime.total-buffer-bytes must be at least client-buffer-bytes");
        }
        if (pageBytes < 65_536 || tailBytes < 0 || totalTailBytes < tailBytes) {
            throw new IllegalArgumentException("agent-center.realtime.page-bytes must be at least 65536, tail-bytes"
                    + " >= 0 and total-tail-bytes >= tail-bytes");
        }
    }
}
