package dev.agentcenter.api.automation;

import dev.agentcenter.api.web.ApiException;
import dev.agentcenter.api.web.PageQuery;
import dev.agentcenter.model.Automation;
import dev.agentcenter.model.AutomationSchedule;
import dev.agentcenter.model.AutomationTriggerResult;
import dev.agentcenter.model.CreateAutomationRequest;
import dev.agentcenter.model.Page;
import dev.agentcenter.model.SchedulePreviewRequest;
import dev.agentcenter.model.UpdateAutomationRequest;
import jakarta.validation.Valid;
import java.net.URI;
import java.util.UUID;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

@RestController
@RequestMapping("/api/automations")
class AutomationController {

    private final AutomationService automations;
    private final AutomationStore store;

    AutomationController(AutomationService automations, AutomationStore store) {
        this.automations = automations;
        this.store = store;
    }

    /** Newest first, optionally only those of a workspace, a project, or only enabled/disabled ones. */
    @GetMapping
    Page<Automation> list(
            @RequestParam(required = false) UUID workspaceId,
            @RequestParam(required = false) UUID projectId,
            @RequestParam(required = false) Boolean enabled,
            @RequestParam(required = false) Integer limit,
            @RequestParam(required = false) String cursor) {
        return store.list(workspaceId, projectId, enabled, PageQuery.of(limit, cursor));
    }

    /** Creates an automation; when enabled, {@code nextRunAt} is its next fire time after now. */
    @PostMapping
    ResponseEntity<Automation> create(@Valid @RequestBody CreateAutomationRequest request) {
        Automation created = automations.create(request);
        return ResponseEntity.created(URI.create("/api/automations/" + created.id()))
                .body(created);
    }

    /** Describes an expression before it is saved: {@code {description, nextFireTimes}}, 400 when invalid. */
    @PostMapping("/preview-schedule")
    AutomationSchedule preview(
            @Valid @RequestBody SchedulePreviewRequest request, @RequestParam(required = false) Integer count) {
        return automations.preview(request.cronExpression(), request.timezone(), count(count));
    }

    @GetMapping("/{id}")
    Automation get(@PathVariable UUID id) {
        return automations.find(id);
    }

    @PatchMapping("/{id}")
    Automation update(@PathVariable UUID id, @Valid @RequestBody UpdateAutomationRequest request) {
        if (request.projectId() == null
                && request.repoConnectionId() == null
                && request.name() == null
                && request.enabled() == null
                && request.cronExpression() == null
                && request.timezone() == null
                && request.taskTemplateTitle() == null
                && request.taskTemplatePrompt() == null
                && request.permissionMode() == null
                && request.policy() == null
                && request.config() == null
                && request.branchPrefix() == null
                && request.metadata() == null) {
            throw ApiException.invalidField("body", "must change at least one field");
        }
        return automations.update(id, request);
    }

    /** Deletes the automation and its fire log; tasks it created stay, without the link. */
    @DeleteMapping("/{id}")
    ResponseEntity<Void> delete(@PathVariable UUID id) {
        automations.delete(id);
        return ResponseEntity.noContent().build();
    }

    @PostMapping("/{id}/enable")
    Automation enable(@PathVariable UUID id) {
        return automations.setEnabled(id, true);
    }

    @PostMapping("/{id}/disable")
    Automation disable(@PathVariable UUID id) {
        return automations.setEnabled(id, false);
    }

    /** The schedule in words and the next {@code count} fire times (default 5, at most 50). */
    @GetMapping("/{id}/schedule")
    AutomationSchedule schedule(@PathVariable UUID id, @RequestParam(required = false) Integer count) {
        return automations.schedule(id, count(count));
    }

    /** Fires now: 201 with the new task and its queued run. */
    @PostMapping("/{id}/trigger")
    ResponseEntity<AutomationTriggerResult> trigger(@PathVariable UUID id) {
        AutomationTriggerResult result = automations.trigger(id);
        return ResponseEntity.created(URI.create("/api/runs/" + result.run().id()))
                .body(result);
    }

    private static int count(Integer count) {
        return count == null ? AutomationService.DEFAULT_SCHEDULE_COUNT : count;
    }
}
