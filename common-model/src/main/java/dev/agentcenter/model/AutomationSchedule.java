package dev.agentcenter.model;

import java.time.Instant;
import java.util.List;

/**
 * A cron schedule explained: what it means in words and when it fires next.
 *
 * @param cronExpression the expression, with single spaces between its 5 fields
 * @param timezone the IANA zone it is read in
 * @param description the schedule in English, e.g. "at 09:00 every day between Monday and Friday"
 * @param nextFireTimes the next fire times after now, earliest first
 */
public record AutomationSchedule(
        String cronExpression, String timezone, String description, List<Instant> nextFireTimes) {}
