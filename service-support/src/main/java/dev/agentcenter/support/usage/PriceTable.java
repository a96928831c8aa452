package dev.agentcenter.support.usage;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * US dollar prices per million tokens, per model, for agents whose CLI does not say what a run cost (Codex). Written
 * as {@code model=input/cachedInput/output} entries separated by {@code ;} or new lines, {@code #} starting a comment,
 * e.g. {@code gpt-5=1.25/0.125/10; claude-sonnet-4-5=3/0.3/15}. An entry may also be named after a provider
 * ({@code codex}, {@code claude}): it prices that provider's runs whose model is not listed (runs without
 * {@code config.agent.model} use the CLI's default model).
 */
public final class PriceTable {

    /** No prices: a cost is known only when the CLI reports it. */
    public static final PriceTable EMPTY = new PriceTable(Map.of());

    /**
     * One model's prices.
     *
     * @param inputPerMillion uncached input tokens (cache writes are priced as input too)
     * @param cachedInputPerMillion input tokens read from the prompt cache
     * @param outputPerMillion output tokens, reasoning included
     */
    public record Price(double inputPerMillion, double cachedInputPerMillion, double outputPerMillion) {
        /** The cost of these tokens; {@code input} includes the cached ones, as usage figures count them. */
        public double cost(long input, long cached, long output) {
            long uncached = Math.max(0, input - cached);
            return (uncached * inputPerMillion + cached * cachedInputPerMillion + output * outputPerMillion) / 1e6;
        }
    }

    private final Map<String, Price> prices;

    private PriceTable(Map<String, Price> prices) {
        this.prices = Map.copyOf(prices);
    }

    /**
     * Reads the entries of {@code inline} and of {@code file} (when given); the file's win on the same model.
     *
     * @throws IllegalArgumentException naming the entry that cannot be read, or the file that cannot be
     */
    public static PriceTable load(String inline, Path file) {
        Map<String, Price> all = new LinkedHashMap<>(parse(inline, "USAGE_PRICES").prices);
        if (file != null && !file.toString().isBlank()) {
            try {
                all.putAll(parse(Files.readString(file, StandardCharsets.UTF_8), file.toString()).prices);
            } catch (IOException e) {
                throw new IllegalArgumentException("Cannot read the price table " + file + ": " + e.getMessage(), e);
            }
        }
        return new PriceTable(all);
    }

    /** Parses entries; {@code source} names where they came from in error messages. */
    public static PriceTable parse(String text, String source) {
        Map<String, Price> prices = new LinkedHashMap<>();
        if (text == null) {
            return new PriceTable(prices);
        }
        for (String line : text.split("[;\\n]")) {
            int comment = line.indexOf('#');
            String entry = (comment >= 0 ? line.substring(0, comment) : line).strip();
            if (entry.isEmpty()) {
                continue;
            }
            int equals = entry.indexOf('=');
            String[] figures =
                    equals < 0 ? new String[0] : entry.substring(equals + 1).split("/");
            if (equals <= 0 || figures.length != 3) {
                throw new IllegalArgumentException(
                        source + ": '" + entry + "' is not model=input/cachedInput/output (US dollars per million)");
            }
            try {
                Price price = new Price(amount(figures[0]), amount(figures[1]), amount(figures[2]));
                prices.put(entry.substring(0, equals).strip().toLowerCase(Locale.ROOT), price);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(source + ": '" + entry + "' has a price that is not a number >= 0");
            }
        }
        return new PriceTable(prices);
    }

    private static double amount(String text) {
        double value = Double.parseDouble(text.strip());
        if (!(value >= 0) || Double.isInfinite(value)) {
            throw new NumberFormatException(text);
        }
        return value;
    }

    /** The model's price, else its provider's, if listed. */
    public Optional<Price> priceOf(String model, String provider) {
        Price price = model == null ? null : prices.get(model.toLowerCase(Locale.ROOT));
        if (price == null && provider != null) {
            price = prices.get(provider.toLowerCase(Locale.ROOT));
        }
        return Optional.ofNullable(price);
    }

    /** How many models (and providers) have prices. */
    public int size() {
        return prices.size();
    }
}
