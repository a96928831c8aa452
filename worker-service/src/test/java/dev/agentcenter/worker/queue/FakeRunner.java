package dev.agentcenter.worker.queue;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A runner's {@code /internal/runs/execute} over real HTTP: records every request and answers what the test says
 * (202 accepted unless told otherwise).
 */
final class FakeRunner implements AutoCloseable {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** One request as the fake saw it. */
    record Received(String method, String path, String authorization, JsonNode body) {
        String runId() {
            return body.path("runId").asString();
        }
    }

    private final MockWebServer server = new MockWebServer();
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final Map<String, AtomicInteger> perRun = new ConcurrentHashMap<>();
    private volatile Function<Received, MockResponse> answer = request -> accepted();

    FakeRunner() throws IOException {
        server.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
                String text =
                        request.getBody() == null ? "{}" : request.getBody().utf8();
                Received seen = new Received(
                        request.getMethod(),
                        request.getUrl().encodedPath(),
                        request.getHeaders().get("Authorization"),
                        JSON.readTree(text));
                received.add(seen);
                perRun.computeIfAbsent(seen.runId(), id -> new AtomicInteger()).incrementAndGet();
                return answer.apply(seen);
            }
        });
        server.start();
    }

    String baseUrl() {
        return "http://127.0.0.1:" + server.getPort();
    }

    void answer(Function<Received, MockResponse> answer) {
        this.answer = answer;
    }

    List<Received> received() {
        return List.copyOf(received);
    }

    int requestsFor(Object runId) {
        AtomicInteger count = perRun.get(runId.toString());
        return count == null ? 0 : count.get();
    }

    Map<String, AtomicInteger> perRun() {
        return perRun;
    }

    static MockResponse accepted() {
        return json(202, "{\"accepted\":true,\"alreadyActive\":false}");
    }

    static MockResponse json(int code, String body) {
        return new MockResponse.Builder()
                .code(code)
                .addHeader("Content-Type", "application/json")
                .body(body)
                .build();
    }

    @Override
    public void close() {
        server.close();
    }
}
