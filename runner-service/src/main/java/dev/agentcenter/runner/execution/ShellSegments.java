package dev.agentcenter.runner.execution;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a shell command line into simple commands ("segments"), each a list of words with quotes and escapes removed,
 * for {@link PermissionPolicy}. It understands what matters to find every program a line would start: the
 * separators {@code ; & && || | |&} and newlines, {@code ( … )} subshells and {@code { … }} groups, command
 * substitutions {@code $( … )} and backticks (also inside double quotes and here-documents), process substitutions
 * {@code <( … )}, redirections (their targets are not words of the command), comments and here-document bodies.
 *
 * <p>It is not a shell: it does not expand variables, aliases or globs, and it does not know {@code case} patterns
 * (a {@code )} there ends a segment, which only splits words earlier than needed).
 */
final class ShellSegments {

    private final String text;
    private final List<List<String>> segments;
    private final List<String> pendingHeredocs = new ArrayList<>();
    private List<String> words = new ArrayList<>();
    private StringBuilder word = new StringBuilder();
    private boolean inWord;
    private boolean redirectTarget;
    private boolean heredocTarget;
    private boolean quoted;
    private int pos;

    private ShellSegments(String text, List<List<String>> segments) {
        this.text = text;
        this.segments = segments;
    }

    /** The simple commands of {@code commandLine}, those inside substitutions included, in no particular order. */
    static List<List<String>> parse(String commandLine) {
        List<List<String>> segments = new ArrayList<>();
        new ShellSegments(commandLine, segments).run(0);
        return segments;
    }

    private void run(int depth) {
        while (pos < text.length()) {
            char c = text.charAt(pos);
            switch (c) {
                case ' ', '\t' -> {
                    endWord();
                    pos++;
                }
                case '\n' -> {
                    endSegment();
                    pos++;
                    skipHeredocBodies(depth);
                }
                case ';', ')', '(' -> {
                    endSegment();
                    pos++;
                }
                case '&' -> {
                    if (next(1) == '>') { // &> file: both streams to file
                        endWord();
                        pos += next(2) == '>' ? 3 : 2;
                        redirectTarget = true;
                    } else {
                        endSegment();
                        pos += next(1) == '&' ? 2 : 1;
                    }
                }
                case '|' -> {
                    endSegment();
                    pos += next(1) == '|' || next(1) == '&' ? 2 : 1;
                }
                case '<', '>' -> redirection(c, depth);
                case '\'' -> singleQuoted();
                case '"' -> doubleQuoted(depth);
                case '\\' -> {
                    if (next(1) == '\n') {
                        pos += 2; // line continuation
                    } else {
                        inWord = true;
                        quoted = true;
                        if (pos + 1 < text.length()) {
                            word.append(text.charAt(pos + 1));
                        }
                        pos += 2;
                    }
                }
                case '$' -> dollar(depth);
                case '`' -> backtick(depth);
                case '#' -> {
                    if (inWord) {
                        word.append(c);
                        pos++;
                    } else {
                        while (pos < text.length() && text.charAt(pos) != '\n') {
                            pos++;
                        }
                    }
                }
                default -> {
                    inWord = true;
                    word.append(c);
                    pos++;
                }
            }
        }
        endSegment();
    }

    private void redirection(char c, int depth) {
        if (c == '<' && next(1) == '(' || c == '>' && next(1) == '(') {
            endWord();
            int close = matchingParen(pos + 1);
            nested(text.substring(pos + 2, close), depth);
            pos = Math.min(close + 1, text.length());
            return;
        }
        // A word of digits right before the operator is a file descriptor (2>file), not an argument.
        if (inWord && !word.isEmpty() && word.chars().allMatch(Character::isDigit)) {
            word.setLength(0);
            inWord = false;
        } else {
            endWord();
        }
        if (c == '<' && text.startsWith("<<<", pos)) {
            pos += 3;
        } else if (c == '<' && text.startsWith("<<", pos)) {
            pos += 2;
            if (next(0) == '-') {
                pos++; // <<- only strips leading tabs from the body, which the comparison below ignores anyway
            }
            heredocTarget = true;
        } else {
            pos++;
            char following = next(0);
            if (following == '>' || following == '&' || following == '|' || (c == '<' && following == '>')) {
                pos++;
            }
        }
        redirectTarget = true;
    }

    private void singleQuoted() {
        inWord = true;
        quoted = true;
        int close = text.indexOf('\'', pos + 1);
        int end = close < 0 ? text.length() : close;
        word.append(text, pos + 1, end);
        pos = end + 1;
    }

    private void doubleQuoted(int depth) {
        inWord = true;
        quoted = true;
        pos++;
        while (pos < text.length() && text.charAt(pos) != '"') {
            char c = text.charAt(pos);
            if (c == '\\' && pos + 1 < text.length()) {
                char escaped = text.charAt(pos + 1);
                if ("\"\\$`\n".indexOf(escaped) < 0) {
                    word.append(c);
                }
                if (escaped != '\n') {
                    word.append(escaped);
                }
                pos += 2;
            } else if (c == '$' && next(1) == '(') {
                dollar(depth);
            } else if (c == '`') {
                backtick(depth);
            } else {
                word.append(c);
                pos++;
            }
        }
        pos++;
    }

    private void dollar(int depth) {
        inWord = true;
        if (next(1) != '(') {
            word.append('$');
            pos++;
            return;
        }
        int close = matchingParen(pos + 1);
        String inner = text.substring(pos + 2, Math.min(close, text.length()));
        nested(inner, depth);
        // The word's value is unknown until run time; keep the source so it is not mistaken for something else.
        word.append(text, pos, Math.min(close + 1, text.length()));
        pos = Math.min(close + 1, text.length());
    }

    private void backtick(int depth) {
        inWord = true;
        StringBuilder inner = new StringBuilder();
        int i = pos + 1;
        while (i < text.length() && text.charAt(i) != '`') {
            if (text.charAt(i) == '\\' && i + 1 < text.length()) {
                i++;
            }
            inner.append(text.charAt(i));
            i++;
        }
        nested(inner.toString(), depth);
        word.append(text, pos, Math.min(i + 1, text.length()));
        pos = Math.min(i + 1, text.length());
    }

    private void nested(String inner, int depth) {
        if (depth < 32) { // enough for any real command; a bound against pathological input
            new ShellSegments(inner, segments).run(depth + 1);
        }
    }

    /** Index of the {@code )} closing the {@code (} at {@code open}, skipping quotes and nested parentheses. */
    private int matchingParen(int open) {
        int level = 0;
        for (int i = open; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\\') {
                i++;
            } else if (c == '\'') {
                int close = text.indexOf('\'', i + 1);
                i = close < 0 ? text.length() : close;
            } else if (c == '"') {
                i++;
                while (i < text.length() && text.charAt(i) != '"') {
                    if (text.charAt(i) == '\\') {
                        i++;
                    }
                    i++;
                }
            } else if (c == '(') {
                level++;
            } else if (c == ')' && --level == 0) {
                return i;
            }
        }
        return text.length();
    }

    /**
     * Skips the bodies of here-documents started on the line just ended. A body is data, not commands, except for
     * substitutions when its delimiter is unquoted; those are parsed.
     */
    private void skipHeredocBodies(int depth) {
        for (String delimiter : List.copyOf(pendingHeredocs)) {
            boolean literal = delimiter.startsWith("'");
            String end = literal ? delimiter.substring(1) : delimiter;
            while (pos < text.length()) {
                int lineEnd = text.indexOf('\n', pos);
                int stop = lineEnd < 0 ? text.length() : lineEnd;
                String line = text.substring(pos, stop);
                pos = Math.min(stop + 1, text.length());
                if (line.strip().equals(end)) {
                    break;
                }
                if (!literal) {
                    ShellSegments body = new ShellSegments(line, segments);
                    body.substitutionsOnly(depth);
                }
            }
        }
        pendingHeredocs.clear();
    }

    private void substitutionsOnly(int depth) {
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c == '\\') {
                pos += 2;
            } else if (c == '$' && next(1) == '(') {
                dollar(depth);
            } else if (c == '`') {
                backtick(depth);
            } else {
                pos++;
            }
        }
    }

    private char next(int offset) {
        int i = pos + offset;
        return i < text.length() ? text.charAt(i) : '\0';
    }

    private void endWord() {
        if (!inWord) {
            return;
        }
        String value = word.toString();
        if (heredocTarget) {
            // A quoted delimiter (<<'EOF') makes the body literal; otherwise substitutions in it run.
            pendingHeredocs.add(quoted ? "'" + value : value);
        } else if (!redirectTarget) {
            words.add(value);
        }
        heredocTarget = false;
        redirectTarget = false;
        word = new StringBuilder();
        inWord = false;
        quoted = false;
    }

    private void endSegment() {
        endWord();
        if (!words.isEmpty()) {
            segments.add(List.copyOf(words));
        }
        words = new ArrayList<>();
        redirectTarget = false;
    }
}
