package dev.agentcenter.api.usage;

import dev.agentcenter.support.usage.PriceTable;
import java.nio.file.Path;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Prices of agent tokens, for the costs the CLIs do not report (Codex reports none).
 *
 * @param prices {@code USAGE_PRICES}: {@code model=input/cachedInput/output} US dollars per million tokens,
 *     separated by {@code ;}, e.g. {@code gpt-5=1.25/0.125/10}; an entry named {@code codex} or {@code claude} prices
 *     that provider's runs whose model is not listed
 * @param pricesFile {@code USAGE_PRICES_FILE}: a file of such entries, one per line ({@code #} comments); its entries
 *     win over {@code USAGE_PRICES}
 */
@ConfigurationProperties("agent-center.usage")
record UsageProperties(String prices, Path pricesFile) {

    /** The table; a malformed entry stops the service at start with a message naming it. */
    PriceTable priceTable() {
        return PriceTable.load(prices, pricesFile);
    }
}
