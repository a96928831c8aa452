package dev.agentcenter.api.github;

import dev.agentcenter.api.run.RunQueue;
import dev.agentcenter.model.Run;
import java.util.UUID;
import org.springframework.stereotype.Component;

/**
 * The one place GitHub work queues runs, through the API's own queue (same rules as {@code POST /api/runs} and
 * follow-ups: one active run per task, the attempt number, {@code run.created}). A follow-up is what continues the
 * task's workspace and agent session on the runner.
 */
@Component
class GitHubRunStarter {

    private final RunQueue queue;

    GitHubRunStarter(RunQueue queue) {
        this.queue = queue;
    }

    /** The first run of a task started from GitHub, with the task's own prompt. */
    Run start(UUID taskId) {
        return queue(taskId, "github", null);
    }

    /** A follow-up run of the task with GitHub's feedback as its prompt. */
    Run followUp(UUID taskId, String prompt) {
        return queue(taskId, "follow_up", prompt);
    }

    private Run queue(UUID taskId, String source, String prompt) {
        return queue.queue(taskId, source, prompt, null);
    }
}
