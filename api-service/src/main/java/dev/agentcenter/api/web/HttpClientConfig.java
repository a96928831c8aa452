package dev.agentcenter.api.web;

import java.time.Duration;
import okhttp3.OkHttpClient;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The one outbound HTTP client of the API (GitHub calls), shared so connections and threads are pooled. */
@Configuration(proxyBeanMethods = false)
class HttpClientConfig {

    /**
     * Short timeouts: every outbound call is made while a user waits for an answer, and a slow remote must turn into
     * a clear "unreachable" result, not a hung request.
     */
    @Bean
    OkHttpClient okHttpClient() {
        return new OkHttpClient.Builder()
                .connectTimeout(Duration.ofSeconds(5))
                .readTimeout(Duration.ofSeconds(5))
                .writeTimeout(Duration.ofSeconds(5))
                .callTimeout(Duration.ofSeconds(15))
                .build();
    }
}
