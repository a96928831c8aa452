package dev.agentcenter.api.web;

import dev.agentcenter.support.ledger.RunEventWriter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.springframework.stereotype.Component;

/** Meters every service has: events this process wrote ({@code rate()} of it is events per second). */
@Component
class ServiceMetrics implements MeterBinder {

    @Override
    public void bindTo(MeterRegistry registry) {
        FunctionCounter.builder(
                        "agentcenter.run.events.written", RunEventWriter.class, c -> RunEventWriter.eventsWritten())
                .description("Run events inserted by this process")
                .register(registry);
    }
}
