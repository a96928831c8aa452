package dev.agentcenter.model;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Size;

/**
 * Asks how a cron expression would be read, before saving it in an automation.
 *
 * @param cronExpression standard 5-field UNIX cron
 * @param timezone IANA zone, {@code UTC} when absent
 */
public record SchedulePreviewRequest(
        @NotBlank @Size(max = 200) String cronExpression,
        @Size(min = 1, max = 64) String timezone) {}
