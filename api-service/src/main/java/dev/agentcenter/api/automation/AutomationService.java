package dev.agentcenter.api.automation;

import dev.agentcenter.api.run.RunQueue;
import dev.agentcenter.api.run.RunStore;
import dev.agentcenter.api.task.TaskStore;
import dev.agentcenter.api.web.ApiException;
import dev.agentcenter.api.web.ApiException.FieldProblem;
import dev.agentcenter.api.web.Rows;
import dev.agentcenter.api.workspace.WorkspaceReferences;
import dev.agentcenter.model.AgentProvider;
import dev.agentcenter.model.Automation;
import dev.agentcenter.model.AutomationSchedule;
import dev.agentcenter.model.AutomationTriggerResult;
import dev.agentcenter.model.CreateAutomationRequest;
import dev.agentcenter.model.ExecutionConfig;
import dev.agentcenter.model.ExecutionPolicy;
import dev.agentcenter.model.PermissionMode;
import dev.agentcenter.model.UpdateAutomationRequest;
import dev.agentcenter.support.CronSchedule;
import dev.agentcenter.support.CronSchedule.InvalidScheduleException;
import dev.agentcenter.support.ledger.AutomationFires;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.regex.Pattern;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * The rules of automations: schedules are validated on every write (an invalid cron never reaches the worker), the
 * project and repository connection must live in the automation's workspace, and {@code nextRunAt} always follows
 * the schedule: computed from now when the schedule changes or the automation is enabled, {@code null} while
 * disabled.
 */
@Service
class AutomationService {

    /** Fire times listed by the schedule routes when no count is asked for. */
    static final int DEFAULT_SCHEDULE_COUNT = 5;

    static final int MAX_SCHEDULE_COUNT = 50;

    /** A conservative subset of git's ref-name rules, checked on write so every fire gets a pushable branch. */
    private static final Pattern BRANCH_PREFIX = Pattern.compile("[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*");

    private final AutomationStore automations;
    private final WorkspaceReferences references;
    private final TaskStore tasks;
    private final RunStore runs;
    private final RunQueue queue;
    private final AutomationFires fires;
    private final Clock clock;

    AutomationService(
            AutomationStore automations,
            WorkspaceReferences references,
            TaskStore tasks,
            RunStore runs,
            RunQueue queue,
            AutomationFires fires,
            Clock clock) {
        this.automations = automations;
        this.references = references;
        this.tasks = tasks;
        this.runs = runs;
        this.queue = queue;
        this.fires = fires;
        this.clock = clock;
    }

    Automation find(UUID id) {
        return automations.find(id).orElseThrow(() -> ApiException.notFound("automation", id));
    }

    @Transactional
    public Automation create(CreateAutomationRequest request) {
        String timezone = request.timezone() == null ? CronSchedule.DEFAULT_TIMEZONE : request.timezone();
        List<FieldProblem> problems = new ArrayList<>();
        CronSchedule schedule = schedule(request.cronExpression(), timezone, problems);
        checkBranchPrefix(request.branchPrefix(), problems);
        checkSomethingToRun(request.config(), problems);
        failIfAny(problems);

        checkReferences(request.workspaceId(), request.projectId(), request.repoConnectionId());
        boolean enabled = request.enabled() == null || request.enabled();
        return automations.insert(new Automation(
                null,
                request.workspaceId(),
                request.projectId(),
                request.repoConnectionId(),
                request.name().strip(),
                enabled,
                schedule.expression(),
                schedule.zone().getId(),
                request.taskTemplateTitle().strip(),
                request.taskTemplatePrompt(),
                request.permissionMode() == null ? PermissionMode.SAFE : request.permissionMode(),
                ExecutionPolicy.normalized(request.policy()),
                ExecutionConfig.normalized(request.config()),
                Rows.blankToNull(request.branchPrefix()),
                request.metadata(),
                null,
                enabled ? nextAfterNow(schedule) : null,
                null,
                null));
    }

    /**
     * Applies a PATCH: {@code null} leaves a field as it is, an empty {@code branchPrefix} clears it. The row is
     * locked while it is merged, validated and written, so concurrent changes do not overwrite each other.
     */
    @Transactional
    public Automation update(UUID id, UpdateAutomationRequest request) {
        Automation current = automations.lock(id).orElseThrow(() -> ApiException.notFound("automation", id));
        String cron = request.cronExpression() != null ? request.cronExpression() : current.cronExpression();
        String timezone = request.timezone() != null ? request.timezone() : current.timezone();
        List<FieldProblem> problems = new ArrayList<>();
        CronSchedule schedule = schedule(cron, timezone, problems);
        checkBranchPrefix(request.branchPrefix(), problems);
        if (request.config() != null) {
            checkSomethingToRun(request.config(), problems);
        }
        failIfAny(problems);

        UUID projectId = request.projectId() != null ? request.projectId() : current.projectId();
        UUID connectionId =
                request.repoConnectionId() != null ? request.repoConnectionId() : current.repoConnectionId();
        if (request.projectId() != null || request.repoConnectionId() != null) {
            checkReferences(current.workspaceId(), projectId, connectionId);
        }

        boolean enabled = request.enabled() != null ? request.enabled() : current.enabled();
        boolean scheduleChanged = !schedule.expression().equals(current.cronExpression())
                || !schedule.zone().getId().equals(current.timezone());
        Instant nextRunAt;
        if (!enabled) {
            nextRunAt = null;
        } else if (scheduleChanged || !current.enabled() || current.nextRunAt() == null) {
            nextRunAt = nextAfterNow(schedule);
        } else {
            // Unchanged schedule: keep a due fire time rather than skipping it.
            nextRunAt = current.nextRunAt();
        }
        return automations.save(new Automation(
                current.id(),
                current.workspaceId(),
                projectId,
                connectionId,
                request.name() != null ? request.name().strip() : current.name(),
                enabled,
                schedule.expression(),
                schedule.zone().getId(),
                request.taskTemplateTitle() != null
                        ? request.taskTemplateTitle().strip()
                        : current.taskTemplateTitle(),
                request.taskTemplatePrompt() != null ? request.taskTemplatePrompt() : current.taskTemplatePrompt(),
                request.permissionMode() != null ? request.permissionMode() : current.permissionMode(),
                request.policy() != null ? ExecutionPolicy.normalized(request.policy()) : current.policy(),
                request.config() != null ? ExecutionConfig.normalized(request.config()) : current.config(),
                request.branchPrefix() != null ? Rows.blankToNull(request.branchPrefix()) : current.branchPrefix(),
                request.metadata() != null ? request.metadata() : current.metadata(),
                current.lastRunAt(),
                nextRunAt,
                current.createdAt(),
                current.updatedAt()));
    }

    /**
     * Enables or disables; idempotent. Enabling computes {@code nextRunAt} from now (a time missed while disabled
     * is not fired); enabling an enabled automation keeps its {@code nextRunAt}. Disabling clears it.
     */
    @Transactional
    public Automation setEnabled(UUID id, boolean enabled) {
        Automation current = automations.lock(id).orElseThrow(() -> ApiException.notFound("automation", id));
        if (current.enabled() == enabled && (!enabled || current.nextRunAt() != null)) {
            return current;
        }
        Instant nextRunAt = enabled ? nextAfterNow(stored(current)) : null;
        return automations.save(new Automation(
                current.id(),
                current.workspaceId(),
                current.projectId(),
                current.repoConnectionId(),
                current.name(),
                enabled,
                current.cronExpression(),
                current.timezone(),
                current.taskTemplateTitle(),
                current.taskTemplatePrompt(),
                current.permissionMode(),
                current.policy(),
                current.config(),
                current.branchPrefix(),
                current.metadata(),
                current.lastRunAt(),
                nextRunAt,
                current.createdAt(),
                current.updatedAt()));
    }

    void delete(UUID id) {
        if (!automations.delete(id)) {
            throw ApiException.notFound("automation", id);
        }
    }

    /** The automation's schedule in words and its next fire times from now (also while disabled). */
    AutomationSchedule schedule(UUID id, int count) {
        return describe(stored(find(id)), count);
    }

    /** How an expression would be read, before it is saved; 400 when it is not valid. */
    AutomationSchedule preview(String cronExpression, String timezone, int count) {
        List<FieldProblem> problems = new ArrayList<>();
        CronSchedule schedule =
                schedule(cronExpression, timezone == null ? CronSchedule.DEFAULT_TIMEZONE : timezone, problems);
        failIfAny(problems);
        return describe(schedule, count);
    }

    /**
     * Fires the automation now, whatever its schedule and even while disabled: in one transaction, through the
     * ledger's {@link AutomationFires} (as the worker's schedule does), a task from its template, the task's first
     * run (queued), the fire in {@code automation_fires}, and an {@code automation.triggered} event after the run's
     * {@code run.created}; then {@code lastRunAt}. {@code nextRunAt} is not moved.
     */
    @Transactional
    public AutomationTriggerResult trigger(UUID id) {
        Automation automation = automations.lock(id).orElseThrow(() -> ApiException.notFound("automation", id));
        // Postgres keeps microseconds; the same value goes to the fire log, the branch name and the event.
        Instant fireTime = clock.instant().truncatedTo(ChronoUnit.MICROS);
        if (!fires.claim(id, fireTime)) {
            throw ApiException.conflict(
                    "automation_already_fired", "The automation already fired at " + fireTime + "; try again");
        }
        AutomationFires.Fired fired =
                fires.fire(id, automation.name(), automation.branchPrefix(), fireTime, true, queue.checkedConfig(null));
        automations.recordFire(id, fireTime);
        // Read again: queueing the run moved the task to queued and gave it a latest run.
        return new AutomationTriggerResult(
                tasks.find(fired.taskId()).orElseThrow(),
                runs.find(fired.runId()).orElseThrow());
    }

    private AutomationSchedule describe(CronSchedule schedule, int count) {
        if (count < 1 || count > MAX_SCHEDULE_COUNT) {
            throw ApiException.invalidField("count", "must be between 1 and " + MAX_SCHEDULE_COUNT);
        }
        return new AutomationSchedule(
                schedule.expression(),
                schedule.zone().getId(),
                schedule.describe(Locale.ENGLISH),
                schedule.next(clock.instant(), count));
    }

    private Instant nextAfterNow(CronSchedule schedule) {
        return schedule.nextAfter(clock.instant()).orElse(null);
    }

    /** A stored schedule was validated when written; failing now would mean the rules changed, a server fault. */
    private static CronSchedule stored(Automation automation) {
        return CronSchedule.parse(automation.cronExpression(), automation.timezone());
    }

    /** Parses the schedule, adding a problem per invalid field (both can be wrong at once). */
    private static CronSchedule schedule(String cron, String timezone, List<FieldProblem> problems) {
        boolean zoneValid = true;
        try {
            CronSchedule.parseZone(timezone);
        } catch (InvalidScheduleException e) {
            problems.add(new FieldProblem("timezone", e.getMessage()));
            zoneValid = false;
        }
        try {
            return CronSchedule.parse(cron, zoneValid ? timezone : CronSchedule.DEFAULT_TIMEZONE);
        } catch (InvalidScheduleException e) {
            problems.add(new FieldProblem("cronExpression", e.getMessage()));
            return null;
        }
    }

    private static void checkBranchPrefix(String prefix, List<FieldProblem> problems) {
        if (prefix == null || prefix.isBlank()) {
            return;
        }
        String value = prefix.strip();
        if (!BRANCH_PREFIX.matcher(value).matches()
                || value.contains("..")
                || value.startsWith("-")
                || value.endsWith(".")
                || value.endsWith(".lock")
                || value.contains("/.")
                || value.startsWith(".")) {
            problems.add(new FieldProblem(
                    "branchPrefix",
                    "must be a valid git branch prefix: letters, digits, '.', '_', '-' and '/' between parts"
                            + " (e.g. nightly or agent/deps)"));
        }
    }

    private static void checkSomethingToRun(ExecutionConfig config, List<FieldProblem> problems) {
        boolean hasCommands = config != null
                && config.commands() != null
                && !config.commands().isEmpty();
        boolean hasAgent = config != null
                && config.agent() != null
                && config.agent().provider() != null
                && config.agent().provider() != AgentProvider.NONE;
        if (!hasCommands && !hasAgent) {
            problems.add(new FieldProblem(
                    "config",
                    "must have commands (config.commands) or an agent (config.agent.provider):"
                            + " otherwise every run it starts fails"));
        }
    }

    private static void failIfAny(List<FieldProblem> problems) {
        if (!problems.isEmpty()) {
            throw new ApiException(HttpStatus.BAD_REQUEST, "validation_failed", "The request is not valid", problems);
        }
    }

    private void checkReferences(UUID workspaceId, UUID projectId, UUID connectionId) {
        references.check(workspaceId, projectId, connectionId, null);
    }
}
