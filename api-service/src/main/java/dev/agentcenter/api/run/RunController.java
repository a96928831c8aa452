package dev.agentcenter.api.run;

import dev.agentcenter.api.web.ApiException;
import dev.agentcenter.api.web.PageQuery;
import dev.agentcenter.model.CancelRequest;
import dev.agentcenter.model.CreateRunRequest;
import dev.agentcenter.model.LogLine;
import dev.agentcenter.model.Page;
import dev.agentcenter.model.Run;
import dev.agentcenter.model.RunDiff;
import dev.agentcenter.model.RunEvent;
import jakarta.validation.Valid;
import java.io.BufferedWriter;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.StreamingResponseBody;

@RestController
@RequestMapping("/api/runs")
class RunController {

    /** Events and log lines page by sequence, with bigger pages than resource lists: runs print a lot. */
    static final int DEFAULT_EVENT_LIMIT = 500;

    static final int MAX_EVENT_LIMIT = 5_000;

    private final RunStore runs;
    private final RunQueue queue;
    private final RunCancellation cancellation;
    private final EventPageProperties pages;

    RunController(RunStore runs, RunQueue queue, RunCancellation cancellation, EventPageProperties pages) {
        this.runs = runs;
        this.queue = queue;
        this.cancellation = cancellation;
        this.pages = pages;
    }

    /** Queues a run of a task (409 {@code task_has_active_run} while another is active). */
    @PostMapping
    ResponseEntity<Run> create(@Valid @RequestBody CreateRunRequest request) {
        Run run = queue.queue(request.taskId(), "api", request.prompt(), request.config());
        return ResponseEntity.created(URI.create("/api/runs/" + run.id())).body(run);
    }

    @GetMapping
    Page<Run> list(
            @RequestParam(required = false) UUID taskId,
            @RequestParam(required = false) Integer limit,
            @RequestParam(required = false) String cursor) {
        return runs.list(taskId, PageQuery.of(limit, cursor));
    }

    /**
     * The queue: queued runs in the order the worker takes them (oldest first, the first {@code limit}, default 100,
     * at most 500), each with its {@code waitingFor} reason; optionally of one workspace.
     */
    @GetMapping("/queue")
    Page<Run> queue(@RequestParam(required = false) UUID workspaceId, @RequestParam(required = false) Integer limit) {
        if (limit != null && (limit < 1 || limit > 500)) {
            throw ApiException.invalidField("limit", "must be between 1 and 500");
        }
        return new Page<>(runs.queued(workspaceId, limit == null ? 100 : limit), null);
    }

    @GetMapping("/{id}")
    Run get(@PathVariable UUID id) {
        return runs.find(id).orElseThrow(() -> ApiException.notFound("run", id));
    }

    /**
     * Events in sequence order after {@code afterSequence}: at most {@code limit}, and a page also ends once its
     * messages and payloads reach {@code API_EVENT_PAGE_BYTES}. {@code nextCursor} is the last sequence returned when
     * more follow: pass it as {@code afterSequence}.
     */
    @GetMapping("/{id}/events")
    Page<RunEvent> events(
            @PathVariable UUID id,
            @RequestParam(defaultValue = "0") long afterSequence,
            @RequestParam(required = false) Integer limit) {
        int size = eventLimit(limit, afterSequence);
        requireRun(id);
        RunStore.EventPage<RunEvent> page = runs.events(id, afterSequence, size, pages.pageBytes());
        return new Page<>(
                page.items(), page.more() ? Long.toString(page.items().getLast().sequence()) : null);
    }

    /** Output lines only, in JSON pages like {@link #events}. */
    @GetMapping("/{id}/logs")
    Page<LogLine> logs(
            @PathVariable UUID id,
            @RequestParam(defaultValue = "0") long afterSequence,
            @RequestParam(required = false) Integer limit,
            @RequestParam(defaultValue = "json") String format) {
        if (!format.equals("json")) {
            throw ApiException.invalidField("format", "must be one of [json, text]");
        }
        int size = eventLimit(limit, afterSequence);
        requireRun(id);
        RunStore.EventPage<LogLine> page = runs.logs(id, afterSequence, size, pages.pageBytes());
        return new Page<>(
                page.items(), page.more() ? Long.toString(page.items().getLast().sequence()) : null);
    }

    /** The whole output as plain text, one line per output line, streamed. */
    @GetMapping(path = "/{id}/logs", params = "format=text")
    ResponseEntity<StreamingResponseBody> logsAsText(@PathVariable UUID id) {
        requireRun(id);
        StreamingResponseBody body = out -> {
            BufferedWriter writer = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8));
            runs.eachLogLine(id, pages.pageBytes(), line -> {
                try {
                    writer.write(line == null ? "" : line);
                    writer.write('\n');
                } catch (java.io.IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            writer.flush();
        };
        return ResponseEntity.ok()
                .contentType(new MediaType(MediaType.TEXT_PLAIN, StandardCharsets.UTF_8))
                .body(body);
    }

    /** The workspace changes of the run; {@code available=false} until its runner stored them. */
    @GetMapping("/{id}/diff")
    RunDiff diff(@PathVariable UUID id) {
        requireRun(id);
        return runs.diff(id);
    }

    /** 202: a queued run is cancelled at once, an active one as soon as its runner has stopped it. */
    @PostMapping("/{id}/cancel")
    ResponseEntity<Run> cancel(@PathVariable UUID id, @Valid @RequestBody(required = false) CancelRequest request) {
        return ResponseEntity.accepted().body(cancellation.cancel(id, request == null ? null : request.reason()));
    }

    private void requireRun(UUID id) {
        if (!runs.exists(id)) {
            throw ApiException.notFound("run", id);
        }
    }

    private static int eventLimit(Integer limit, long afterSequence) {
        if (afterSequence < 0) {
            throw ApiException.invalidField("afterSequence", "must be 0 or more");
        }
        int size = limit == null ? DEFAULT_EVENT_LIMIT : limit;
        if (size < 1 || size > MAX_EVENT_LIMIT) {
            throw ApiException.invalidField("limit", "must be between 1 and " + MAX_EVENT_LIMIT);
        }
        return size;
    }
}
