package dev.agentcenter.sdk;

import dev.agentcenter.model.Automation;
import dev.agentcenter.model.AutomationSchedule;
import dev.agentcenter.model.AutomationTriggerResult;
import dev.agentcenter.model.CreateAutomationRequest;
import dev.agentcenter.model.Page;
import dev.agentcenter.model.SchedulePreviewRequest;
import dev.agentcenter.model.UpdateAutomationRequest;
import java.util.Map;
import java.util.UUID;

/** Automations ({@code /api/automations}): task templates run on a cron schedule. */
public final class AutomationService {

    private static final String PATH = "/api/automations";
    private final Transport transport;

    AutomationService(Transport transport) {
        this.transport = transport;
    }

    /**
     * Creates an automation.
     *
     * @param request schedule (5-field cron, time zone) and task template
     * @return the new automation, with its next fire time
     * @throws BadRequestException if the request or the cron expression is invalid
     */
    public Automation create(CreateAutomationRequest request) {
        return transport.call("POST", PATH, null, request, false, Automation.class);
    }

    /**
     * Reads an automation.
     *
     * @param id the automation id
     * @return the automation
     * @throws NotFoundException if there is no such automation
     */
    public Automation get(UUID id) {
        return transport.call("GET", PATH + "/" + id, null, null, true, Automation.class);
    }

    /**
     * One page of automations, newest first.
     *
     * @param params filters and paging
     * @return the page
     */
    public Page<Automation> list(AutomationListParams params) {
        return transport.call("GET", PATH, params.query(), null, true, transport.type(Page.class, Automation.class));
    }

    /**
     * Every matching automation, fetching pages as needed.
     *
     * @param params filters and page size
     * @return a lazy iterable over all matching automations
     */
    public AutoPager<Automation> iterate(AutomationListParams params) {
        return new AutoPager<>(cursor -> list(params.withCursor(cursor != null ? cursor : params.cursor())));
    }

    /**
     * Changes the fields that are set in the request.
     *
     * @param id the automation id
     * @param request the fields to change
     * @return the updated automation
     * @throws BadRequestException if the request or the cron expression is invalid
     * @throws NotFoundException if there is no such automation
     */
    public Automation update(UUID id, UpdateAutomationRequest request) {
        return transport.call("PATCH", PATH + "/" + id, null, request, true, Automation.class);
    }

    /**
     * Deletes an automation. Tasks it created stay.
     *
     * @param id the automation id
     * @throws NotFoundException if there is no such automation
     */
    public void delete(UUID id) {
        transport.call("DELETE", PATH + "/" + id, null, null, true, (Class<?>) null);
    }

    /**
     * Enables an automation (idempotent).
     *
     * @param id the automation id
     * @return the automation, with its next fire time
     * @throws NotFoundException if there is no such automation
     */
    public Automation enable(UUID id) {
        return transport.call("POST", PATH + "/" + id + "/enable", null, null, true, Automation.class);
    }

    /**
     * Disables an automation (idempotent).
     *
     * @param id the automation id
     * @return the automation
     * @throws NotFoundException if there is no such automation
     */
    public Automation disable(UUID id) {
        return transport.call("POST", PATH + "/" + id + "/disable", null, null, true, Automation.class);
    }

    /**
     * Creates a task from the template and queues its run now, outside the schedule. Not retried after it was sent.
     *
     * @param id the automation id
     * @return the created task and its queued run
     * @throws NotFoundException if there is no such automation
     */
    public AutomationTriggerResult trigger(UUID id) {
        return transport.call("POST", PATH + "/" + id + "/trigger", null, null, false, AutomationTriggerResult.class);
    }

    /**
     * The automation's schedule in words and its next fire times.
     *
     * @param id the automation id
     * @param count how many fire times, or {@code null} for the server's default
     * @return the schedule
     * @throws NotFoundException if there is no such automation
     */
    public AutomationSchedule schedule(UUID id, Integer count) {
        return transport.call(
                "GET", PATH + "/" + id + "/schedule", countQuery(count), null, true, AutomationSchedule.class);
    }

    /**
     * Describes a cron expression before it is saved.
     *
     * @param request the expression and time zone
     * @param count how many fire times, or {@code null} for the server's default
     * @return the description and next fire times
     * @throws BadRequestException if the expression or time zone is invalid
     */
    public AutomationSchedule previewSchedule(SchedulePreviewRequest request, Integer count) {
        return transport.call(
                "POST", PATH + "/preview-schedule", countQuery(count), request, true, AutomationSchedule.class);
    }

    private static Map<String, Object> countQuery(Integer count) {
        return count == null ? Map.of() : Map.of("count", count);
    }
}
