package dev.agentcenter.stack;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Asks a service's {@code /health}. */
final class HealthProbe {

    private final HttpClient http = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(1))
            .version(HttpClient.Version.HTTP_1_1)
            .build();

    /** {@code null} when {@code /health} answers 200, else what went wrong. */
    String problem(StackConfig.Endpoint endpoint) throws InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(endpoint.baseUrl().resolve("/health"))
                .timeout(Duration.ofSeconds(2))
                .GET()
                .build();
        try {
            int status =
                    http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
            return status == 200 ? null : "HTTP " + status;
        } catch (java.net.ConnectException e) {
            return "not listening";
        } catch (java.net.http.HttpTimeoutException e) {
            return "no answer within 2 s";
        } catch (IOException e) {
            return e.getClass().getSimpleName();
        }
    }
}
