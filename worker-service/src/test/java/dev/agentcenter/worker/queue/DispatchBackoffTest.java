package dev.agentcenter.worker.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DispatchBackoffTest {

    @Test
    void doublesFromTwoHundredMillisecondsAndStopsAtTenSeconds() {
        assertThat(DispatchOutcomes.backoff(1)).isEqualTo(Duration.ofMillis(200));
        assertThat(DispatchOutcomes.backoff(2)).isEqualTo(Duration.ofMillis(400));
        assertThat(DispatchOutcomes.backoff(6)).isEqualTo(Duration.ofMillis(6400));
        assertThat(DispatchOutcomes.backoff(7)).isEqualTo(Duration.ofSeconds(10));
        assertThat(DispatchOutcomes.backoff(100)).isEqualTo(Duration.ofSeconds(10));
        assertThat(DispatchOutcomes.backoff(0)).isEqualTo(Duration.ofMillis(200));
    }
}
