package dev.agentcenter.runner.run;

import dev.agentcenter.runner.web.RunnerProblems;
import jakarta.servlet.http.HttpServletRequest;
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
     * 202 when the run started (or already runs here under the same attempt: the call is idempotent), else
     * problem+json: 429 {@code runner_busy} when full, 503 {@code runner_draining} when shutting down, 409 {@code
     * run_not_dispatchable} when the run is not this lease's to run; 400 for a body that does not parse or validate.
     */
    @PostMapping("/execute")
    ResponseEntity<?> execute(@Valid @RequestBody ExecuteRequest request, HttpServletRequest http) {
        return switch (supervisor.accept(request.runId(), request.attempt(), request.leaseToken())) {
            case STARTED -> ResponseEntity.accepted().body(Map.of("accepted", true, "alreadyActive", false));
            case ALREADY_ACTIVE -> ResponseEntity.accepted().body(Map.of("accepted", true, "alreadyActive", true));
            case BUSY ->
                RunnerProblems.respond(
                        HttpStatus.TOO_MANY_REQUESTS, "runner_busy", "The runner is at capacity", http.getRequestURI());
            case DRAINING ->
                RunnerProblems.respond(
                        HttpStatus.SERVICE_UNAVAILABLE,
                        "runner_draining",
                        "The runner is shutting down",
                        http.getRequestURI());
            case NOT_DISPATCHABLE ->
                RunnerProblems.respond(
                        HttpStatus.CONFLICT,
                        "run_not_dispatchable",
                        "The run is not active under this attempt and lease",
                        http.getRequestURI());
        };
    }

    /** Cancels a run executing here (the API normally signals through Postgres; this is the direct route). */
    @PostMapping("/{runId}/cancel")
    ResponseEntity<?> cancel(@PathVariable UUID runId, HttpServletRequest http) {
        boolean here = supervisor.cancel(runId, "Cancelled via API");
        return here
                ? ResponseEntity.accepted().body(Map.of("accepted", true))
                : RunnerProblems.respond(
                        HttpStatus.NOT_FOUND, "run_not_here", "The run is not running here", http.getRequestURI());
    }
}
