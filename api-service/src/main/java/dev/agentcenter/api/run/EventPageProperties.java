package dev.agentcenter.api.run;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How much of a run's events one REST page holds.
 *
 * @param pageBytes {@code API_EVENT_PAGE_BYTES} (default 2 MiB): a page of {@code /events} or {@code /logs} ends once
 *     its messages and payloads reach this many bytes, whatever its {@code limit} (it always holds at least one
 *     event); {@code nextCursor} says where to continue. Keeps one request of a huge run from filling the heap.
 */
@ConfigurationProperties("agent-center.runs")
public record EventPageProperties(@DefaultValue("2097152") long pageBytes) {

    public EventPageProperties {
        if (pageBytes < 65_536) {
            throw new IllegalArgumentException("agent-center.runs.page-bytes must be at least 65536");
        }
    }
}
