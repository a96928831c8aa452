package dev.agentcenter.api.runner;

import dev.agentcenter.api.web.ApiException;
import dev.agentcenter.model.Page;
import dev.agentcenter.model.Runner;
import java.time.Clock;
import java.util.UUID;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Registered runners: they register themselves; an operator can drain one (it takes no new runs, its runs in flight
 * finish, later runs of its tasks are re-homed to other runners) and resume it. A handful at most, so one page.
 */
@RestController
@RequestMapping("/api/runners")
class RunnerController {

    private final RunnerStore runners;
    private final Clock clock;

    RunnerController(RunnerStore runners, Clock clock) {
        this.runners = runners;
        this.clock = clock;
    }

    @GetMapping
    Page<Runner> list() {
        return new Page<>(runners.list(clock.instant()), null);
    }

    @PostMapping("/{id}/drain")
    Runner drain(@PathVariable UUID id) {
        return runners.setDrained(id, true, clock.instant()).orElseThrow(() -> ApiException.notFound("runner", id));
    }

    @PostMapping("/{id}/resume")
    Runner resume(@PathVariable UUID id) {
        return runners.setDrained(id, false, clock.instant()).orElseThrow(() -> ApiException.notFound("runner", id));
    }
}
