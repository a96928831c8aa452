package dev.agentcenter.support;

import com.cronutils.descriptor.CronDescriptor;
import com.cronutils.model.Cron;
import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.zone.ZoneOffsetTransition;
import java.time.zone.ZoneRules;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A standard 5-field UNIX cron expression ({@code minute hour day-of-month month day-of-week}) read in an IANA time
 * zone: validation with messages a person can act on, the next fire times, and an English description. Parsing and
 * matching are cron-utils' ({@link CronType#UNIX}); this class adds the checks and the daylight-saving rules.
 *
 * <p>Daylight saving time, as cron daemons (Vixie cron, cronie) handle it:
 *
 * <ul>
 *   <li>A local time skipped when clocks go forward still fires that day, shifted by the length of the gap, as
 *       {@code java.time} resolves it: {@code 30 2 * * *} in Europe/Berlin fires at 03:30 CEST on the last Sunday
 *       of March. A daily job is never silently dropped.
 *   <li>A local time repeated when clocks go back fires once, at its first occurrence, unless the hour field is a
 *       wildcard ({@code *} or {@code *}{@code /n}): {@code 30 2 * * *} fires once on the last Sunday of October,
 *       {@code 0 * * * *} fires at both 02:00 CEST and 02:00 CET.
 * </ul>
 *
 * <p>Callers that fire a schedule should compute the next fire time from the fire time they just handled, not from
 * "now", so that nothing between the two is skipped. Instances are immutable.
 */
public final class CronSchedule {

    /** The zone used when none is given. */
    public static final String DEFAULT_TIMEZONE = "UTC";

    private static final String[] FIELDS = {"minute", "hour", "day-of-month", "month", "day-of-week"};
    private static final Map<String, String> NICKNAMES = Map.of(
            "@yearly", "0 0 1 1 *",
            "@annually", "0 0 1 1 *",
            "@monthly", "0 0 1 * *",
            "@weekly", "0 0 * * 0",
            "@daily", "0 0 * * *",
            "@midnight", "0 0 * * *",
            "@hourly", "0 * * * *");
    private static final Pattern OUT_OF_RANGE = Pattern.compile("Value (\\S+) not in range \\[(\\d+), (\\d+)]");
    private static final Pattern BAD_STEP = Pattern.compile("Period (\\S+) not in range \\[(\\d+), (\\d+)]");
    private static final Pattern BACKWARDS = Pattern.compile("Invalid range! \\[(\\S*),(\\S*)]");
    private static final Pattern BAD_CHARS =
            Pattern.compile("Invalid chars in expression! Expression: (.*) Invalid chars: (.*)");
    private static final Pattern UNSUPPORTED = Pattern.compile("Invalid expression: (.*)");

    private final String expression;
    private final ZoneId zone;
    private final Cron cron;
    private final ExecutionTime executionTime;
    private final boolean hourWildcard;

    private CronSchedule(String expression, ZoneId zone, Cron cron) {
        this.expression = expression;
        this.zone = zone;
        this.cron = cron;
        this.executionTime = ExecutionTime.forCron(cron);
        this.hourWildcard = expression.split(" ")[1].startsWith("*");
    }

    /**
     * Parses and validates an expression and a zone.
     *
     * @param expression 5 fields separated by whitespace; names ({@code MON-FRI}, {@code JAN}) and 7 for Sunday are
     *     accepted, Quartz extensions ({@code ?}, {@code L}, {@code W}, {@code #}, seconds, years) and nicknames
     *     ({@code @daily}, {@code @reboot}) are not
     * @param timezone an IANA zone id such as {@code Europe/Berlin}; {@code null} means {@link #DEFAULT_TIMEZONE}
     * @throws InvalidScheduleException saying what is wrong, and with which part
     */
    public static CronSchedule parse(String expression, String timezone) {
        ZoneId zone = parseZone(timezone == null ? DEFAULT_TIMEZONE : timezone);
        String normalized = normalize(expression);
        Cron cron = parseCron(normalized);
        CronSchedule schedule = new CronSchedule(normalized, zone, cron);
        if (schedule.executionTime
                .nextExecution(Instant.EPOCH.atZone(ZoneOffset.UTC))
                .isEmpty()) {
            throw InvalidScheduleException.expression(
                    "never fires: no date matches it (e.g. day 30 or 31 of February)");
        }
        return schedule;
    }

    /**
     * Validates an IANA zone id. Fixed offsets such as {@code +02:00} are refused: a region id also knows the
     * daylight-saving rules.
     *
     * @throws InvalidScheduleException when the zone is unknown
     */
    public static ZoneId parseZone(String timezone) {
        if (timezone == null || timezone.isBlank()) {
            throw InvalidScheduleException.timezone("must not be blank");
        }
        String id = timezone.strip();
        if (ZoneId.getAvailableZoneIds().contains(id)) {
            try {
                return ZoneId.of(id);
            } catch (DateTimeException e) {
                // listed but without rules: treated as unknown below
            }
        }
        String suggestion = ZoneId.getAvailableZoneIds().stream()
                .filter(known -> known.equalsIgnoreCase(id))
                .findFirst()
                .map(known -> "; did you mean '" + known + "'?")
                .orElse(" (use an IANA id such as UTC or Europe/Berlin)");
        throw InvalidScheduleException.timezone("unknown time zone '" + id + "'" + suggestion);
    }

    /** The expression, trimmed and with single spaces between its fields. */
    public String expression() {
        return expression;
    }

    /** The zone the expression is read in. */
    public ZoneId zone() {
        return zone;
    }

    /** The first fire time strictly after {@code from}, or empty if there is none. */
    public Optional<Instant> nextAfter(Instant from) {
        Objects.requireNonNull(from, "from");
        Instant cursor = from;
        // Each round skips one repeated (fall-back) occurrence; there are at most a few per transition.
        for (int round = 0; round < 1_000; round++) {
            Optional<Instant> candidate = candidateAfter(cursor);
            if (candidate.isEmpty() || hourWildcard || !isRepeatedOccurrence(candidate.get())) {
                return candidate;
            }
            cursor = candidate.get();
        }
        throw new IllegalStateException("No fire time found for '" + expression + "' in " + zone + " after " + from);
    }

    /** The next {@code count} fire times strictly after {@code from}, fewer only if the schedule runs out. */
    public List<Instant> next(Instant from, int count) {
        if (count < 0) {
            throw new IllegalArgumentException("count must not be negative, got " + count);
        }
        List<Instant> times = new ArrayList<>(count);
        Instant cursor = from;
        while (times.size() < count) {
            Optional<Instant> next = nextAfter(cursor);
            if (next.isEmpty()) {
                break;
            }
            cursor = next.get();
            times.add(cursor);
        }
        return List.copyOf(times);
    }

    /** The schedule in words, e.g. "at 09:00 every day between Monday and Friday" (the zone is not included). */
    public String describe(Locale locale) {
        return CronDescriptor.instance(locale).describe(cron);
    }

    @Override
    public String toString() {
        return expression + " (" + zone + ")";
    }

    /** The regular next match, or an earlier local time that a spring-forward gap skipped. */
    private Optional<Instant> candidateAfter(Instant from) {
        Optional<Instant> regular =
                executionTime.nextExecution(from.atZone(zone)).map(ZonedDateTime::toInstant);
        if (regular.isEmpty()) {
            // The fields match no date at all, so no gap time can match either.
            return regular;
        }
        Instant best = regular.get();
        ZoneRules rules = zone.getRules();
        // Start a day early: a gap that began before `from` can still have shifted fire times after it.
        ZoneOffsetTransition transition = rules.nextTransition(from.minusSeconds(86_400));
        while (transition != null && !transition.getInstant().isAfter(best)) {
            if (transition.isGap()) {
                Optional<Instant> skipped = skippedFireAfter(transition, from);
                if (skipped.isPresent() && skipped.get().isBefore(best)) {
                    best = skipped.get();
                }
            }
            transition = rules.nextTransition(transition.getInstant());
        }
        return Optional.of(best);
    }

    /**
     * The first local time inside the gap of {@code transition} that matches, as the instant {@code java.time} maps
     * it to (the local time read with the offset before the gap), if that is after {@code from}.
     */
    private Optional<Instant> skippedFireAfter(ZoneOffsetTransition transition, Instant from) {
        ZoneOffset before = transition.getOffsetBefore();
        Instant searchFrom = transition.getInstant().minusSeconds(1);
        if (from.isAfter(searchFrom)) {
            searchFrom = from;
        }
        LocalDateTime gapStart = transition.getDateTimeBefore();
        LocalDateTime gapEnd = transition.getDateTimeAfter();
        return executionTime
                .nextExecution(searchFrom.atZone(before))
                .filter(match -> !match.toLocalDateTime().isBefore(gapStart)
                        && match.toLocalDateTime().isBefore(gapEnd))
                .map(ZonedDateTime::toInstant)
                .filter(instant -> instant.isAfter(from));
    }

    /** True for the second occurrence of a local time that the clocks going back repeat. */
    private boolean isRepeatedOccurrence(Instant instant) {
        ZonedDateTime local = instant.atZone(zone);
        ZoneOffsetTransition transition = zone.getRules().getTransition(local.toLocalDateTime());
        return transition != null && transition.isOverlap() && local.getOffset().equals(transition.getOffsetAfter());
    }

    private static String normalize(String expression) {
        if (expression == null || expression.isBlank()) {
            throw InvalidScheduleException.expression(
                    "must not be blank: expected 5 fields (minute hour day-of-month month day-of-week)");
        }
        String trimmed = expression.strip();
        if (trimmed.startsWith("@")) {
            String nickname = trimmed.toLowerCase(Locale.ROOT);
            if (nickname.equals("@reboot")) {
                throw InvalidScheduleException.expression(
                        "@reboot has no schedule; use 5 fields (minute hour day-of-month month day-of-week)");
            }
            String equivalent = NICKNAMES.get(nickname);
            throw InvalidScheduleException.expression(trimmed + " is not supported; "
                    + (equivalent == null
                            ? "use 5 fields (minute hour day-of-month month day-of-week)"
                            : "write it as the 5 fields '" + equivalent + "'"));
        }
        String[] parts = trimmed.split("\\s+");
        if (parts.length != 5) {
            String hint = parts.length == 6 || parts.length == 7
                    ? " (Quartz/Spring expressions with seconds or years are not supported)"
                    : "";
            throw InvalidScheduleException.expression(
                    "expected 5 fields (minute hour day-of-month month day-of-week), got " + parts.length + hint);
        }
        return String.join(" ", parts);
    }

    private static Cron parseCron(String normalized) {
        try {
            Cron cron = parser().parse(normalized);
            cron.validate();
            return cron;
        } catch (IllegalArgumentException whole) {
            // Find the field at fault by parsing each one alone, so the message can name it.
            String[] parts = normalized.split(" ");
            for (int i = 0; i < parts.length; i++) {
                String[] probe = {"*", "*", "*", "*", "*"};
                probe[i] = parts[i];
                try {
                    parser().parse(String.join(" ", probe)).validate();
                } catch (IllegalArgumentException field) {
                    throw InvalidScheduleException.expression(
                            FIELDS[i] + " field '" + parts[i] + "': " + explain(field.getMessage()));
                }
            }
            throw InvalidScheduleException.expression(explain(whole.getMessage()));
        }
    }

    private static CronParser parser() {
        return new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));
    }

    /** Rewrites cron-utils' messages in the words of a crontab user. */
    private static String explain(String message) {
        String text = message == null ? "is not valid" : message.replace("Failed to parse cron expression. ", "");
        Matcher m;
        if ((m = OUT_OF_RANGE.matcher(text)).find()) {
            return "value " + m.group(1) + " is outside " + m.group(2) + "-" + m.group(3);
        }
        if ((m = BAD_STEP.matcher(text)).find()) {
            return "step " + m.group(1) + " must be between 1 and " + m.group(3);
        }
        if ((m = BACKWARDS.matcher(text)).find()) {
            return "range " + m.group(1) + "-" + m.group(2) + " goes backwards";
        }
        if ((m = BAD_CHARS.matcher(text)).find()) {
            String chars = m.group(2).strip();
            return chars.isEmpty()
                    ? "has an empty value"
                    : "'" + chars + "' is not allowed here (UNIX cron has no L, W, # or ?)";
        }
        if ((m = UNSUPPORTED.matcher(text)).find()) {
            return "'" + m.group(1).strip() + "' is not UNIX cron syntax (Quartz's ?, L, W and # are not supported)";
        }
        if (text.startsWith("Missing values for range")) {
            return "incomplete range";
        }
        if (text.startsWith("Missing steps")) {
            return "missing step after '/'";
        }
        return text.isEmpty() ? "is not valid" : Character.toLowerCase(text.charAt(0)) + text.substring(1);
    }

    /** An expression or zone that is not valid; the message says what is wrong. */
    public static final class InvalidScheduleException extends IllegalArgumentException {

        /** Which input was wrong. */
        public enum Part {
            EXPRESSION,
            TIMEZONE
        }

        private final Part part;

        private InvalidScheduleException(Part part, String message) {
            super(message);
            this.part = part;
        }

        static InvalidScheduleException expression(String message) {
            return new InvalidScheduleException(Part.EXPRESSION, message);
        }

        static InvalidScheduleException timezone(String message) {
            return new InvalidScheduleException(Part.TIMEZONE, message);
        }

        /** Whether the expression or the zone was wrong. */
        public Part part() {
            return part;
        }
    }
}
