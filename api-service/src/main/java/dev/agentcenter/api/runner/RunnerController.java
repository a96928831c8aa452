package dev.agentcenter.api.runner;

import dev.agentcenter.model.Page;
import dev.agentcenter.model.Runner;
import java.time.Clock;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** Registered runners, read-only: runners register themselves. A handful at most, so one page, by name. */
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
}
