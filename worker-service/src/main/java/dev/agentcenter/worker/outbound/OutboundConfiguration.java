package dev.agentcenter.worker.outbound;

import dev.agentcenter.support.SealedSecrets;
import dev.agentcenter.support.lifecycle.IntervalLoop;
import javax.sql.DataSource;
import okhttp3.OkHttpClient;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import tools.jackson.databind.ObjectMapper;

/**
 * The outbox sender, run every {@code WORKER_OUTBOUND_INTERVAL_MS} by its own lifecycle-managed loop. The worker
 * sends because it already runs the product's background loops; it opens the secrets it needs with the same
 * {@code CREDENTIAL_ENCRYPTION_KEY} as the API and the runners.
 */
@Configuration(proxyBeanMethods = false)
class OutboundConfiguration {

    @Bean
    OutboundSender outboundSender(DataSource dataSource, ObjectMapper json, OutboundProperties properties) {
        OkHttpClient http = new OkHttpClient.Builder()
                .callTimeout(properties.timeout())
                .connectTimeout(properties.timeout())
                .readTimeout(properties.timeout())
                .followRedirects(false)
                .build();
        return new OutboundSender(
                dataSource, http, json, new SealedSecrets(properties.encryptionKey(), dataSource), properties);
    }

    @Bean
    IntervalLoop outboundLoop(OutboundSender sender, OutboundProperties properties) {
        return new IntervalLoop("outbound-sender", properties.interval(), sender::sendDue);
    }
}
