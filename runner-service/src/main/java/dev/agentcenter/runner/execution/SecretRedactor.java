package dev.agentcenter.runner.execution;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Removes secrets from output and messages before they are stored: the run's registered secret values in their
 * common encodings, and anything shaped like a well-known credential.
 *
 * <p>For each registered value it matches the value itself; its base64 encodings (standard and URL-safe alphabets)
 * at all three byte alignments, because a value inside a longer base64 blob encodes differently depending on its
 * offset mod 3 (only the characters determined by the value's own bits are matched, so neighbouring bytes do not
 * matter); its URL encodings (a space as {@code +} or {@code %20}, {@code ~} kept or {@code %7E}, upper-case hex);
 * and its JSON-escaped forms ({@code \/} or not, non-ASCII as lower-case unicode escapes or not, control characters
 * as {@code \n}-style or lower-case unicode escapes). Values shorter than {@value #MIN_SECRET_LENGTH}
 * characters are not registered: they would turn up in ordinary output and redact everything.
 *
 * <p>Token shapes: GitHub ({@code ghp_ gho_ ghu_ ghs_ ghr_ github_pat_}), OpenAI ({@code sk-}, {@code sk-proj-}),
 * Anthropic ({@code sk-ant-}), AWS access key ids ({@code AKIA}/{@code ASIA}), the value after
 * {@code aws_secret_access_key} (spelled in lower or upper case), {@code Bearer} tokens and PEM private key blocks
 * (which span lines, so only a stream or a whole text sees a block whole; a single line sees its BEGIN line). Every
 * shape has a maximum length ({@link #maxMatchLength()}), which lets {@link StreamingRedactor} hold back a bounded
 * tail.
 *
 * <p>Matches are found on the original text, all of them (overlapping ones too, each candidate start on its own), and
 * each maximal overlapping run becomes one {@value #MASK}; so the result does not depend on the order of the rules,
 * and a match depends only on the character before it and at most {@link #maxMatchLength()} after. Thread-safe.
 */
public final class SecretRedactor {

    /** What replaces a secret. */
    public static final String MASK = "[REDACTED]";

    /** Values shorter than this are not registered. */
    public static final int MIN_SECRET_LENGTH = 6;

    // Each shape is tried only where one of its anchors occurs (String.indexOf is far faster than letting the regex
    // engine try every position): anchor text and its offset from the start of a match.
    private static final List<Shape> SHAPES = List.of(
            new Shape(Pattern.compile("gh[pousr]_[A-Za-z0-9]{20,255}"), 4 + 255, true, anchors("gh", 0)),
            new Shape(Pattern.compile("github_pat_[A-Za-z0-9_]{20,255}"), 11 + 255, true, anchors("github_pat_", 0)),
            new Shape(Pattern.compile("sk-ant-[A-Za-z0-9_-]{20,255}"), 7 + 255, true, anchors("sk-ant-", 0)),
            new Shape(Pattern.compile("sk-(?:proj-)?[A-Za-z0-9_-]{20,255}"), 8 + 255, true, anchors("sk-", 0)),
            new Shape(Pattern.compile("A[KS]IA[0-9A-Z]{16}"), 20, true, anchors("KIA", 1, "SIA", 1)),
            // Only the value is masked, so the log still says which setting it was. Lower or upper case only.
            new Shape(
                    Pattern.compile("(?i:aws_secret_access_key)[\"']?[ \\t]{0,8}[:=][ \\t]{0,8}[\"']?"
                            + "(?<secret>[A-Za-z0-9/+=]{40})"),
                    21 + 1 + 8 + 1 + 8 + 1 + 40,
                    false,
                    anchors("_secret_access_key", 3, "_SECRET_ACCESS_KEY", 3)),
            // 16+ characters so that prose ("a Bearer authentication header") is left alone.
            new Shape(
                    Pattern.compile("(?<![A-Za-z])(?i:bearer)[ \\t]{1,8}(?<secret>[A-Za-z0-9._~+/=-]{16,1024})"),
                    6 + 8 + 1024,
                    false,
                    anchors("earer", 1, "EARER", 1)),
            // The whole block up to its END line, or, without one in reach, the base64 body that follows.
            new Shape(
                    Pattern.compile("-----BEGIN[A-Z0-9 ]{0,40} PRIVATE KEY-----(?:[\\s\\S]{0,6000}?"
                            + "-----END[A-Z0-9 ]{0,40} PRIVATE KEY-----|[A-Za-z0-9+/=\\s:,]{0,6000})"),
                    10 + 40 + 17 + 6000 + 8 + 40 + 17,
                    false,
                    anchors("-----BEGIN", 0)));

    private final List<String> secrets;
    private final List<String> literals;
    private final int maxMatchLength;

    /** Redacts these values and their encodings; ignores nulls, blanks and values too short to be secrets. */
    public SecretRedactor(String... secrets) {
        List<String> registered = new ArrayList<>();
        Set<String> forms = new LinkedHashSet<>();
        for (String secret : secrets) {
            if (secret == null || secret.strip().length() < MIN_SECRET_LENGTH) {
                continue;
            }
            String value = secret.strip();
            registered.add(value);
            forms.add(value);
            addBase64(forms, value.getBytes(StandardCharsets.UTF_8));
            String url = URLEncoder.encode(value, StandardCharsets.UTF_8);
            // Java encodes a space as '+' and '~' as %7E; RFC 3986 encoders (JavaScript, Python) use %20 and keep '~'.
            for (String space : new String[] {"+", "%20"}) {
                for (String tilde : new String[] {"%7E", "~"}) {
                    forms.add(url.replace("+", space).replace("%7E", tilde));
                }
            }
            forms.add(jsonEscape(value, false, false));
            forms.add(jsonEscape(value, true, false));
            forms.add(jsonEscape(value, false, true));
            forms.add(jsonEscape(value, true, true));
        }
        forms.removeIf(form -> form.length() < MIN_SECRET_LENGTH);
        this.secrets = List.copyOf(registered);
        this.literals = List.copyOf(forms);
        int max = 0;
        for (String literal : literals) {
            max = Math.max(max, literal.length());
        }
        for (Shape shape : SHAPES) {
            max = Math.max(max, shape.maxLength());
        }
        this.maxMatchLength = max;
    }

    /**
     * A redactor for this one's values and {@code more} (e.g. a credential handed to a coding agent during the run).
     * Redactors already handed out keep redacting only what they were made with.
     */
    public SecretRedactor with(String... more) {
        List<String> all = new ArrayList<>(secrets);
        all.addAll(java.util.Arrays.asList(more));
        return new SecretRedactor(all.toArray(String[]::new));
    }

    /** Secrets masked by every redactor of this process, for the {@code agentcenter.redaction.hits} meter. */
    private static final LongAdder HITS = new LongAdder();

    /** How many secrets this process has masked so far. */
    public static long hits() {
        return HITS.sum();
    }

    /** Redacts one complete text: a message, a payload, a patch. */
    public String redact(String text) {
        if (text == null || text.isEmpty()) {
            return text;
        }
        List<Match> matches = find(text, 0);
        return matches.isEmpty() ? text : apply(text, 0, text.length(), matches);
    }

    /** A redactor for one output stream, which also catches secrets split across chunks. Not thread-safe. */
    public StreamingRedactor streaming() {
        return new StreamingRedactor(this);
    }

    /** The longest text any rule can match; a stream holds back one character less. */
    public int maxMatchLength() {
        return maxMatchLength;
    }

    /** Every literal form of the registered values (for tests). */
    List<String> literalForms() {
        return literals;
    }

    /**
     * All matches that start at or after {@code from}, sorted by start. Characters before {@code from} are context
     * only (a shape's "not preceded by a word character" check looks at them).
     */
    List<Match> find(String text, int from) {
        List<Match> matches = new ArrayList<>();
        for (String literal : literals) {
            for (int at = text.indexOf(literal, from); at >= 0; at = text.indexOf(literal, at + 1)) {
                matches.add(new Match(at, at + literal.length(), at, at + literal.length()));
            }
        }
        for (Shape shape : SHAPES) {
            Matcher matcher = shape.pattern().matcher(text).useTransparentBounds(true);
            for (Anchor anchor : shape.anchors()) {
                int found = text.indexOf(anchor.text(), from + anchor.offset());
                for (; found >= 0; found = text.indexOf(anchor.text(), found + 1)) {
                    int start = found - anchor.offset();
                    if (shape.standalone() && start > 0 && isWordChar(text.charAt(start - 1))) {
                        continue; // "task-…" is not an OpenAI key
                    }
                    matcher.region(start, text.length());
                    if (!matcher.lookingAt()) {
                        continue;
                    }
                    boolean group = shape.pattern().namedGroups().containsKey("secret");
                    int maskStart = group ? matcher.start("secret") : start;
                    int maskEnd = group ? matcher.end("secret") : matcher.end();
                    matches.add(new Match(start, matcher.end(), maskStart, maskEnd));
                }
            }
        }
        matches.sort(Comparator.comparingInt(Match::start));
        return matches;
    }

    /**
     * {@code text[from, to)} with the masks of {@code matches} applied; the caller passes only matches whose span lies
     * inside. Overlapping masks become one; touching ones stay two, so the result is the same however the text was
     * cut between them.
     */
    static String apply(String text, int from, int to, List<Match> matches) {
        HITS.add(matches.size());
        List<int[]> masks = new ArrayList<>();
        for (Match match : matches) {
            masks.add(new int[] {match.maskStart(), match.maskEnd()});
        }
        masks.sort(Comparator.comparingInt(mask -> mask[0]));
        StringBuilder out = new StringBuilder(to - from);
        int position = from;
        int index = 0;
        while (index < masks.size()) {
            int start = masks.get(index)[0];
            int end = masks.get(index)[1];
            index++;
            while (index < masks.size() && masks.get(index)[0] < end) {
                end = Math.max(end, masks.get(index)[1]);
                index++;
            }
            out.append(text, position, start).append(MASK);
            position = end;
        }
        return out.append(text, position, to).toString();
    }

    private static boolean isWordChar(char c) {
        return Character.isLetterOrDigit(c) || c == '_' || c == '-';
    }

    /**
     * The characters of the value's base64 encoding that depend on its bytes only, at each of the three alignments:
     * with {@code k} bytes before it, the value's bits start at bit {@code 8k} of the stream, and character {@code i}
     * covers bits {@code [6i, 6i + 6)}.
     */
    private static void addBase64(Set<String> forms, byte[] value) {
        forms.add(Base64.getEncoder().encodeToString(value));
        forms.add(Base64.getUrlEncoder().encodeToString(value));
        for (int k = 0; k < 3; k++) {
            byte[] shifted = new byte[k + value.length];
            System.arraycopy(value, 0, shifted, k, value.length);
            int first = (8 * k + 5) / 6;
            int end = (8 * (k + value.length)) / 6;
            if (end - first < MIN_SECRET_LENGTH) {
                continue;
            }
            forms.add(
                    Base64.getEncoder().withoutPadding().encodeToString(shifted).substring(first, end));
            forms.add(Base64.getUrlEncoder()
                    .withoutPadding()
                    .encodeToString(shifted)
                    .substring(first, end));
        }
    }

    static String jsonEscape(String value, boolean escapeSlash, boolean asciiOnly) {
        StringBuilder out = new StringBuilder(value.length() + 8);
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '/' -> out.append(escapeSlash ? "\\/" : "/");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20 || (asciiOnly && c > 0x7e)) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.toString();
    }

    /** A rule match: {@code [start, end)} is what the rule needed to see, {@code [maskStart, maskEnd)} is masked. */
    record Match(int start, int end, int maskStart, int maskEnd) {}

    /**
     * A token shape. {@code standalone}: the match must not continue a word. The named group {@code secret} is masked
     * when the pattern has one, else the whole match.
     */
    private record Shape(Pattern pattern, int maxLength, boolean standalone, List<Anchor> anchors) {}

    private record Anchor(String text, int offset) {}

    private static List<Anchor> anchors(Object... textsAndOffsets) {
        List<Anchor> anchors = new ArrayList<>();
        for (int i = 0; i < textsAndOffsets.length; i += 2) {
            anchors.add(new Anchor((String) textsAndOffsets[i], (Integer) textsAndOffsets[i + 1]));
        }
        return List.copyOf(anchors);
    }
}
