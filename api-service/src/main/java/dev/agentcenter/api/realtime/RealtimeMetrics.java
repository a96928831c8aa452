package dev.agentcenter.api.realtime;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.stereotype.Component;

/**
 * The realtime fan-out's meters: open WebSocket connections and SSE streams, run subscriptions, and reconnects of the
 * LISTEN connection (after one, every followed run is read again).
 */
@Component
class RealtimeMetrics implements MeterBinder {

    private final AtomicInteger webSockets = new AtomicInteger();
    private final AtomicInteger sseStreams = new AtomicInteger();
    private final RealtimeHub hub;
    private final NotificationListener listener;

    RealtimeMetrics(RealtimeHub hub, NotificationListener listener) {
        this.hub = hub;
        this.listener = listener;
    }

    AtomicInteger webSockets() {
        return webSockets;
    }

    AtomicInteger sseStreams() {
        return sseStreams;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Gauge.builder("agentcenter.realtime.subscribers", webSockets, AtomicInteger::get)
                .tag("transport", "websocket")
                .description("Open WebSocket connections")
                .register(registry);
        Gauge.builder("agentcenter.realtime.subscribers", sseStreams, AtomicInteger::get)
                .tag("transport", "sse")
                .description("Open SSE run event streams")
                .register(registry);
        Gauge.builder(
                        "agentcenter.realtime.run.subscriptions",
                        hub,
                        h -> ((Number) h.stats().get("runSubscriptions")).doubleValue())
                .description("Run subscriptions over both transports")
                .register(registry);
        FunctionCounter.builder("agentcenter.listen.reconnects", listener, l -> Math.max(0, l.connects() - 1))
                .description("Times the LISTEN connection was established again after it broke")
                .register(registry);
    }
}
