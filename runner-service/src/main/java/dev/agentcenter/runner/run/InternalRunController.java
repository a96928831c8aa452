package dev.agentcenter.runner.run;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.util.Map;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The routes workers and the API use to hand runs to this runner. Guarded by the internal bearer token (see
 * {@code InternalTokenFilter}).
 */
@RestController
@RequestMapping("/internal/runs")
class InternalRunController {

    private final RunSupervisor supervisor;

    InternalRunController(RunSupervisor supervisor) {
        this.supervisor = supervisor;
    }

    /** What a worker sends: the run and the lease it claimed it under. */
    record ExecuteRequest(
            @NotNull UUID runId,
            @NotNull @Min(1) Integer attempt,
            @NotNull UUID leaseToken) {}

    /**
     * 202 when the run started (or already runs here under the same attempt: the call is idempotent), 429 when
     * full, 503 when shutting down, 409 when the run is not this lease's to run.
     */
    @PostMapping("/execute")
    ResponseEntity<Map<String, Object>> execute(@Valid @RequestBody ExecuteRequest request) {
        return switch (supervisor.accept(request.runId(), request.attempt(), request.leaseToken())) {
            case STARTED -> ResponseEntity.accepted().body(Map.of("accepted", true, "alreadyActive", false));
            case ALREADY_ACTIVE -> ResponseEntity.accepted().body(Map.of("accepted", true, "alreadyActive", true));
            case BUSY ->
                ResponseEntity.status(HttpStatus.TOO_MANY_REQUESTS)
                        .body(Map.of("accepted", false, "code", "runner_busy", "detail", "The runner is at capacity"));
            case DRAINING ->
                ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE)
                        .body(Map.of(
                                "accepted", false, "code", "runner_draining", "detail", "The runner is shutting down"));
            case NOT_DISPATCHABLE ->
                ResponseEntity.status(HttpStatus.CONFLICT)
                        .body(Map.of(
                                "accepted", false,
                                "code", "run_not_dispatchable",
                                "detail", "The run is not active under this attempt and lease"));
        };
    }

    /** Cancels a run executing here (the API normally signals through Postgres; this is the direct route). */
    @PostMapping("/{runId}/cancel")
    ResponseEntity<Map<String, Object>> cancel(@PathVariable UUID runId) {
        boolean here = supervisor.cancel(runId, "Cancelled via API");
        return here
                ? ResponseEntity.accepted().body(Map.of("accepted", true))
                : ResponseEntity.status(HttpStatus.NOT_FOUND)
                        .body(Map.of(
                                "accepted", false, "code", "run_not_here", "detail", "The run is not running here"));
    }
}
