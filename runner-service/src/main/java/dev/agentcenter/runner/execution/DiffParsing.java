package dev.agentcenter.runner.execution;

import dev.agentcenter.model.RunDiff;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads {@code git diff -z --name-status} and {@code --numstat} output. {@code -z} is used because it is the only form
 * in which paths are not quoted or escaped, whatever characters they contain.
 */
final class DiffParsing {

    private DiffParsing() {}

    /** One entry per changed file, in git's order, with the status from name-status and the counts from numstat. */
    static List<RunDiff.FileChange> files(byte[] nameStatus, byte[] numstat) {
        Map<String, int[]> counts = counts(numstat);
        List<String> fields = split(nameStatus);
        List<RunDiff.FileChange> files = new ArrayList<>();
        int i = 0;
        while (i < fields.size()) {
            String code = fields.get(i++);
            if (code.isEmpty() || i >= fields.size()) {
                continue;
            }
            char kind = code.charAt(0);
            // Renames and copies name the old path, then the new one.
            String path = (kind == 'R' || kind == 'C') && i + 1 < fields.size() ? fields.get(++i) : fields.get(i);
            i++;
            int[] lines = counts.getOrDefault(path, new int[2]);
            files.add(new RunDiff.FileChange(path, status(kind), lines[0], lines[1]));
        }
        return List.copyOf(files);
    }

    static RunDiff.Stats stats(List<RunDiff.FileChange> files) {
        int additions = files.stream().mapToInt(RunDiff.FileChange::additions).sum();
        int deletions = files.stream().mapToInt(RunDiff.FileChange::deletions).sum();
        return new RunDiff.Stats(files.size(), additions, deletions);
    }

    /** The patch as text; a cut one ends at its last complete line, so no line (or character) is half there. */
    static String patchText(byte[] patch, boolean truncated) {
        int end = patch.length;
        if (truncated) {
            int lastNewline = end - 1;
            while (lastNewline >= 0 && patch[lastNewline] != '\n') {
                lastNewline--;
            }
            // At the last line end; when not even the first line fits, nothing.
            end = lastNewline + 1;
        }
        return new String(patch, 0, end, StandardCharsets.UTF_8);
    }

    private static String status(char kind) {
        return switch (kind) {
            case 'A', 'C' -> "added";
            case 'D' -> "deleted";
            case 'R' -> "renamed";
            default -> "modified";
        };
    }

    /** {@code added\tdeleted\tpath\0}, or {@code added\tdeleted\t\0old\0new\0} for a rename; binary files {@code -\t-}. */
    private static Map<String, int[]> counts(byte[] numstat) {
        Map<String, int[]> counts = new HashMap<>();
        List<String> fields = split(numstat);
        int i = 0;
        while (i < fields.size()) {
            String[] parts = fields.get(i++).split("\t", 3);
            if (parts.length < 3) {
                continue;
            }
            String path = parts[2];
            if (path.isEmpty() && i + 1 < fields.size()) {
                i++; // old path
                path = fields.get(i++);
            }
            counts.put(path, new int[] {count(parts[0]), count(parts[1])});
        }
        return counts;
    }

    private static int count(String value) {
        return value.equals("-") ? 0 : Integer.parseInt(value);
    }

    private static List<String> split(byte[] output) {
        List<String> fields = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < output.length; i++) {
            if (output[i] == 0) {
                fields.add(new String(output, start, i - start, StandardCharsets.UTF_8));
                start = i + 1;
            }
        }
        if (start < output.length) {
            fields.add(new String(output, start, output.length - start, StandardCharsets.UTF_8));
        }
        return fields;
    }
}
