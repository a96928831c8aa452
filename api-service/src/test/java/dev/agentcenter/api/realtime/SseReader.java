package dev.agentcenter.api.realtime;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

/** Reads a Server-Sent Events stream on a virtual thread, frame by frame, until the server ends it. */
final class SseReader {

    /** One event frame. */
    record Frame(String id, String event, String data) {}

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    final HttpResponse<Stream<String>> response;
    final CompletableFuture<Void> ended = new CompletableFuture<>();
    private final List<Frame> frames = new ArrayList<>();
    private int comments;

    SseReader(String url, Map<String, String> headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).header("Accept", "text/event-stream");
        headers.forEach(request::header);
        try {
            response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofLines());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        Thread.ofVirtual().start(this::read);
    }

    private void read() {
        String id = null;
        String event = null;
        StringBuilder data = null;
        try (Stream<String> lines = response.body()) {
            for (String line : (Iterable<String>) lines::iterator) {
                if (line.isEmpty()) {
                    if (data != null) {
                        synchronized (this) {
                            frames.add(new Frame(id, event, data.toString()));
                        }
                    }
                    id = null;
                    event = null;
                    data = null;
                } else if (line.startsWith(":")) {
                    synchronized (this) {
                        comments++;
                    }
                } else if (line.startsWith("id:")) {
                    id = line.substring(3).strip();
                } else if (line.startsWith("event:")) {
                    event = line.substring(6).strip();
                } else if (line.startsWith("data:")) {
                    data = data == null ? new StringBuilder() : data.append('\n');
                    data.append(line.substring(5).stripLeading());
                }
            }
            ended.complete(null);
        } catch (RuntimeException e) {
            ended.completeExceptionally(e);
        }
    }

    synchronized List<Frame> frames() {
        return List.copyOf(frames);
    }

    synchronized List<Long> ids() {
        return frames.stream().map(f -> Long.parseLong(f.id())).toList();
    }

    synchronized int comments() {
        return comments;
    }
}
