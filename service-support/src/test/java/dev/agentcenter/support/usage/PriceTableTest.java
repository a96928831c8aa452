package dev.agentcenter.support.usage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PriceTableTest {

    @Test
    void pricesByModelThenByProvider() {
        PriceTable table = PriceTable.parse(" GPT-5 = 1.25/0.125/10 ; claude=3/0.3/15 # the default model\n", "test");
        assertThat(table.size()).isEqualTo(2);
        // 1000 input of which 200 cached, 100 output
        assertThat(table.priceOf("gpt-5", "codex").orElseThrow().cost(1000, 200, 100))
                .isCloseTo((800 * 1.25 + 200 * 0.125 + 100 * 10) / 1e6, offset(1e-12));
        assertThat(table.priceOf("claude-opus-4", "claude")).contains(new PriceTable.Price(3, 0.3, 15));
        assertThat(table.priceOf("o-unknown", "codex")).isEmpty();
        assertThat(PriceTable.parse(null, "test").size()).isZero();
    }

    @Test
    void aMalformedEntryIsRefusedNamingIt() {
        assertThatThrownBy(() -> PriceTable.parse("gpt-5=1/2", "USAGE_PRICES"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("USAGE_PRICES: 'gpt-5=1/2'");
        assertThatThrownBy(() -> PriceTable.parse("=1/2/3", "x")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PriceTable.parse("m=1/-2/3", "x")).hasMessageContaining("not a number >= 0");
        assertThatThrownBy(() -> PriceTable.parse("m=1/NaN/3", "x")).hasMessageContaining("not a number >= 0");
        assertThatThrownBy(() -> PriceTable.parse("m=1/two/3", "x")).hasMessageContaining("not a number >= 0");
    }

    @Test
    void aFilesEntriesWinOverTheInlineOnes(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("prices.txt");
        Files.writeString(file, "# per million tokens\ngpt-5=2/0.2/20\n\nclaude=3/0.3/15\n");
        PriceTable table = PriceTable.load("gpt-5=1/0.1/10;o4=1/1/1", file);
        assertThat(table.priceOf("gpt-5", null)).contains(new PriceTable.Price(2, 0.2, 20));
        assertThat(table.priceOf("o4", null)).isPresent();
        assertThat(table.size()).isEqualTo(3);
        assertThatThrownBy(() -> PriceTable.load("", dir.resolve("missing.txt")))
                .hasMessageContaining("Cannot read the price table");
    }
}
