package dev.agentcenter.api.project;

import dev.agentcenter.api.web.ApiException;

/**
 * A project's root directory is a path inside its repository: relative, without {@code ..} segments, so a run never
 * works outside the workspace it was given.
 */
final class RootDirectory {

    private RootDirectory() {}

    /** Refuses absolute paths, {@code ..} segments, backslashes and control characters; empty means "clear". */
    static void check(String field, String value) {
        if (value == null || value.isBlank()) {
            return;
        }
        String path = value.strip();
        boolean bad = path.startsWith("/")
                || path.startsWith("~")
                || path.contains("\\")
                || path.chars().anyMatch(Character::isISOControl);
        for (String segment : path.split("/")) {
            bad |= segment.equals("..");
        }
        if (bad) {
            throw ApiException.invalidField(field, "must be a relative path inside the repository, without '..'");
        }
    }
}
