package dev.agentcenter.api.realtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The in-memory tail of a followed run, bounded by count, by bytes and by the budget all tails share. */
class RunFeedTailTest {

    @Test
    void theTailKeepsTheNewestEventsWithinItsBytesAndServesOnlyWhatItHoldsContiguously() {
        ByteBudget shared = new ByteBudget(1_000_000);
        RunFeed feed = new RunFeed(UUID.randomUUID(), 2000, 10_000, shared);
        feed.initialise(0);
        feed.append(events(1, 100, 1_000)); // 100 KB of events into a 10 KB tail

        assertThat(feed.tailBytes()).isLessThanOrEqualTo(10_000);
        assertThat(shared.used()).isEqualTo(feed.tailBytes());
        assertThat(feed.tailAfter(90))
                .extracting(FeedEvent::sequence)
                .containsExactly(91L, 92L, 93L, 94L, 95L, 96L, 97L, 98L, 99L, 100L);
        assertThat(feed.tailAfter(50))
                .as("older than the tail: read the database")
                .isNull();

        feed.dispose();
        assertThat(shared.used()).isZero();
    }

    @Test
    void aFeedWhoseTailCannotGrowInTheSharedBudgetEmptiesItInsteadOfLeavingAGap() {
        ByteBudget shared = new ByteBudget(5_000);
        RunFeed hog = new RunFeed(UUID.randomUUID(), 2000, 10_000, shared);
        hog.initialise(0);
        hog.append(events(1, 5, 1_000)); // takes the whole shared budget
        RunFeed other = new RunFeed(UUID.randomUUID(), 2000, 10_000, shared);
        other.initialise(0);

        other.append(events(1, 3, 1_000));

        assertThat(other.tailBytes()).isZero();
        assertThat(other.tailAfter(0))
                .as("nothing in memory: the database answers")
                .isNull();
        assertThat(shared.used()).isEqualTo(5_000);

        hog.dispose();
        other.append(events(4, 4, 1_000));
        assertThat(other.tailAfter(3)).extracting(FeedEvent::sequence).containsExactly(4L);
        assertThat(other.tailAfter(2)).isNull();
    }

    @Test
    void anEventLargerThanTheTailEmptiesIt() {
        ByteBudget shared = new ByteBudget(1_000_000);
        RunFeed feed = new RunFeed(UUID.randomUUID(), 2000, 10_000, shared);
        feed.initialise(0);
        feed.append(events(1, 3, 1_000));
        feed.append(events(4, 4, 20_000));

        assertThat(feed.tailBytes()).isZero();
        assertThat(shared.used()).isZero();
        assertThat(feed.tailAfter(4)).isEmpty();
        assertThat(feed.tailAfter(3)).isNull();
    }

    private static List<FeedEvent> events(long from, long to, int bytes) {
        List<FeedEvent> events = new ArrayList<>();
        for (long sequence = from; sequence <= to; sequence++) {
            events.add(new FeedEvent(sequence, "run.log", "{}", bytes));
        }
        return events;
    }
}
