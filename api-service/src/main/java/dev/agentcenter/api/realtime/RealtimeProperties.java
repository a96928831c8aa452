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
 * @param stuckClientTimeout a lagging client that takes nothing for this long is closed
 * @param pageSize events per database read, for the backlog and for the live feed
 * @param tailSize events each followed run keeps in memory, so that subscribers joining near the head need no query
 * @param sseHeartbeat how often an SSE stream gets a comment line, to keep proxies from closing it
 * @param listenerApplicationName {@code application_name} of the LISTEN connection (to find it in
 *     {@code pg_stat_activity})
 */
@ConfigurationProperties("agent-center.realtime")
record RealtimeProperties(
        @DefaultValue("8388608") long clientBufferBytes,
        @DefaultValue("30s") Duration stuckClientTimeout,
        @DefaultValue("1000") int pageSize,
        @DefaultValue("2000") int tailSize,
        @DefaultValue("15s") Duration sseHeartbeat,
        @DefaultValue("agent-center-api-realtime") String listenerApplicationName) {

    RealtimeProperties {
        if (clientBufferBytes < 65_536) {
            throw new IllegalArgumentException("agent-center.realtime.client-buffer-bytes must be at least 65536");
        }
        if (pageSize < 1 || tailSize < 0) {
            throw new IllegalArgumentException("agent-center.realtime.page-size must be positive, tail-size >= 0");
        }
    }
}
