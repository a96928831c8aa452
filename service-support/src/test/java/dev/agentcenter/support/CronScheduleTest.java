package dev.agentcenter.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.agentcenter.support.CronSchedule.InvalidScheduleException;
import dev.agentcenter.support.CronSchedule.InvalidScheduleException.Part;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CronScheduleTest {

    private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");

    @Test
    void weekdayMorningsInBerlinAcrossAWeekend() {
        CronSchedule schedule = CronSchedule.parse("0 9 * * 1-5", "Europe/Berlin");

        // Friday 2025-06-13 10:00 Berlin: the next mornings are Mon..Thu of the following week.
        List<Instant> times = schedule.next(berlin("2025-06-13T10:00"), 4);

        assertThat(times)
                .containsExactly(
                        berlin("2025-06-16T09:00"),
                        berlin("2025-06-17T09:00"),
                        berlin("2025-06-18T09:00"),
                        berlin("2025-06-19T09:00"));
        assertThat(times.getFirst()).isEqualTo(Instant.parse("2025-06-16T07:00:00Z"));
        assertThat(schedule.describe(Locale.ENGLISH)).isEqualTo("at 09:00 every day between Monday and Friday");
        assertThat(schedule.zone()).isEqualTo(BERLIN);
    }

    @Test
    void nextAfterIsStrictlyAfter() {
        CronSchedule schedule = CronSchedule.parse("*/15 * * * *", null);

        assertThat(schedule.zone()).isEqualTo(ZoneId.of("UTC"));
        assertThat(schedule.nextAfter(Instant.parse("2025-01-01T10:15:00Z")))
                .contains(Instant.parse("2025-01-01T10:30:00Z"));
        assertThat(schedule.nextAfter(Instant.parse("2025-01-01T10:14:59.999Z")))
                .contains(Instant.parse("2025-01-01T10:15:00Z"));
        assertThat(schedule.next(Instant.parse("2025-01-01T10:00:00Z"), 0)).isEmpty();
    }

    @Test
    void namesSundaySevenAndExtraWhitespaceAreAccepted() {
        CronSchedule schedule = CronSchedule.parse("  0  9\t* JAN MON-FRI ", "UTC");

        assertThat(schedule.expression()).isEqualTo("0 9 * JAN MON-FRI");
        assertThat(schedule.nextAfter(Instant.parse("2025-12-31T12:00:00Z")))
                .contains(Instant.parse("2026-01-01T09:00:00Z"));
        assertThat(CronSchedule.parse("0 0 * * 7", "UTC").nextAfter(Instant.parse("2025-06-10T00:00:00Z")))
                .as("7 is Sunday")
                .contains(Instant.parse("2025-06-15T00:00:00Z"));
    }

    @Test
    void dayOfMonthAndDayOfWeekTogetherMeanEitherAsInCrontab() {
        CronSchedule schedule = CronSchedule.parse("0 0 1 * 1", "UTC");

        // 2025-03-31 is a Monday, 2025-04-01 the first of the month, 2025-04-07 the next Monday.
        assertThat(schedule.next(Instant.parse("2025-03-30T00:00:00Z"), 3))
                .containsExactly(
                        Instant.parse("2025-03-31T00:00:00Z"),
                        Instant.parse("2025-04-01T00:00:00Z"),
                        Instant.parse("2025-04-07T00:00:00Z"));
    }

    @Test
    void leapDayOnlyFiresInLeapYears() {
        CronSchedule schedule = CronSchedule.parse("0 12 29 2 *", "UTC");

        assertThat(schedule.next(Instant.parse("2025-01-01T00:00:00Z"), 2))
                .containsExactly(Instant.parse("2028-02-29T12:00:00Z"), Instant.parse("2032-02-29T12:00:00Z"));
    }

    @Test
    void springForwardStillFiresADailyJobWhoseTimeIsSkipped() {
        // Berlin, Sunday 2025-03-30: 02:00 CET jumps to 03:00 CEST, so 02:30 does not exist that day.
        CronSchedule schedule = CronSchedule.parse("30 2 * * *", "Europe/Berlin");

        assertThat(schedule.next(berlin("2025-03-29T12:00"), 3))
                .containsExactly(
                        Instant.parse("2025-03-30T01:30:00Z"), // 02:30 local, shifted by the gap: 03:30 CEST
                        berlin("2025-03-31T02:30"),
                        berlin("2025-04-01T02:30"));
        assertThat(schedule.nextAfter(Instant.parse("2025-03-30T01:30:00Z")))
                .as("and it fires only once that day")
                .contains(Instant.parse("2025-03-31T00:30:00Z"));
    }

    @Test
    void springForwardDoesNotDuplicateFrequentJobs() {
        CronSchedule schedule = CronSchedule.parse("*/30 * * * *", "Europe/Berlin");

        assertThat(schedule.next(Instant.parse("2025-03-30T00:00:00Z"), 4))
                .containsExactly(
                        Instant.parse("2025-03-30T00:30:00Z"), // 01:30 CET
                        Instant.parse("2025-03-30T01:00:00Z"), // 03:00 CEST (02:00 skipped, same instant)
                        Instant.parse("2025-03-30T01:30:00Z"), // 03:30 CEST
                        Instant.parse("2025-03-30T02:00:00Z")); // 04:00 CEST
    }

    @Test
    void fallBackFiresAFixedTimeOnce() {
        // Berlin, Sunday 2025-10-26: 03:00 CEST goes back to 02:00 CET, so 02:30 happens twice.
        CronSchedule schedule = CronSchedule.parse("30 2 * * *", "Europe/Berlin");

        assertThat(schedule.next(Instant.parse("2025-10-25T12:00:00Z"), 2))
                .containsExactly(
                        Instant.parse("2025-10-26T00:30:00Z"), // 02:30 CEST, the first occurrence
                        Instant.parse("2025-10-27T01:30:00Z")); // 02:30 CET on Monday
        assertThat(schedule.nextAfter(Instant.parse("2025-10-26T01:00:00Z")))
                .as("between the two occurrences, the repeat is not a new fire time")
                .contains(Instant.parse("2025-10-27T01:30:00Z"));
    }

    @Test
    void fallBackKeepsHourlyJobsRunningThroughTheRepeatedHour() {
        CronSchedule schedule = CronSchedule.parse("0 * * * *", "Europe/Berlin");

        assertThat(schedule.next(Instant.parse("2025-10-25T23:30:00Z"), 4))
                .containsExactly(
                        Instant.parse("2025-10-26T00:00:00Z"), // 02:00 CEST
                        Instant.parse("2025-10-26T01:00:00Z"), // 02:00 CET
                        Instant.parse("2025-10-26T02:00:00Z"), // 03:00 CET
                        Instant.parse("2025-10-26T03:00:00Z"));
    }

    @Test
    void dstDoesNotMoveTheLocalTimeOfWeekdayJobs() {
        CronSchedule schedule = CronSchedule.parse("0 9 * * 1-5", "Europe/Berlin");

        assertThat(schedule.next(Instant.parse("2025-03-28T12:00:00Z"), 1))
                .containsExactly(Instant.parse("2025-03-31T07:00:00Z")); // 09:00 CEST
        assertThat(schedule.next(Instant.parse("2025-10-24T12:00:00Z"), 1))
                .containsExactly(Instant.parse("2025-10-27T08:00:00Z")); // 09:00 CET
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "0 0 * * * *|expected 5 fields (minute hour day-of-month month day-of-week), got 6 (Quartz",
                "0 0 12 * * ? 2025|got 7",
                "0 9 * *|expected 5 fields (minute hour day-of-month month day-of-week), got 4",
                "@reboot|@reboot has no schedule",
                "@daily|write it as the 5 fields '0 0 * * *'",
                "61 * * * *|minute field '61': value 61 is outside 0-59",
                "0 24 * * *|hour field '24': value 24 is outside 0-23",
                "0 0 0 * *|day-of-month field '0': value 0 is outside 1-31",
                "0 0 * 13 *|month field '13': value 13 is outside 1-12",
                "0 0 * * 8|day-of-week field '8': value 8 is outside 0-7",
                "*/0 * * * *|minute field '*/0': step 0 must be between 1 and 59",
                "0 5-1 * * *|hour field '5-1': range 5-1 goes backwards",
                "0 0 L * *|day-of-month field 'L': 'L' is not allowed here",
                "0 0 * * 1#2|day-of-week field '1#2': '1#2' is not UNIX cron syntax",
                "0 0 ? * 1|day-of-month field '?'",
                "0 0 30 2 *|never fires",
                "every day|expected 5 fields",
            })
    void invalidExpressionsAreExplained(String expression, String expected) {
        assertThatThrownBy(() -> CronSchedule.parse(expression, "UTC"))
                .isInstanceOf(IllegalArgumentException.class)
                .isInstanceOfSatisfying(
                        InvalidScheduleException.class,
                        e -> assertThat(e.part()).isEqualTo(Part.EXPRESSION))
                .hasMessageContaining(expected);
    }

    @Test
    void blankExpressionIsExplained() {
        assertThatThrownBy(() -> CronSchedule.parse("  ", "UTC"))
                .isInstanceOf(InvalidScheduleException.class)
                .hasMessageStartingWith("must not be blank");
        assertThatThrownBy(() -> CronSchedule.parse(null, "UTC")).isInstanceOf(InvalidScheduleException.class);
    }

    @Test
    void zonesMustBeIanaIds() {
        assertThat(CronSchedule.parseZone("America/New_York")).isEqualTo(ZoneId.of("America/New_York"));
        assertThat(CronSchedule.parseZone(" UTC ")).isEqualTo(ZoneId.of("UTC"));

        assertThatThrownBy(() -> CronSchedule.parse("0 9 * * *", "Mars/Olympus"))
                .isInstanceOfSatisfying(
                        InvalidScheduleException.class,
                        e -> assertThat(e.part()).isEqualTo(Part.TIMEZONE))
                .hasMessage("unknown time zone 'Mars/Olympus' (use an IANA id such as UTC or Europe/Berlin)");
        assertThatThrownBy(() -> CronSchedule.parseZone("europe/berlin"))
                .hasMessage("unknown time zone 'europe/berlin'; did you mean 'Europe/Berlin'?");
        assertThatThrownBy(() -> CronSchedule.parseZone("+02:00")).isInstanceOf(InvalidScheduleException.class);
        assertThatThrownBy(() -> CronSchedule.parseZone("")).hasMessage("must not be blank");
    }

    private static Instant berlin(String localDateTime) {
        return java.time.LocalDateTime.parse(localDateTime).atZone(BERLIN).toInstant();
    }
}
