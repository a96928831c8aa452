package dev.agentcenter.model;

/** Validation patterns shared by requests. */
public final class Patterns {
    /** Lowercase letters, digits and single hyphens: {@code my-project-2}. */
    public static final String SLUG = "^[a-z0-9]+(-[a-z0-9]+)*$";

    /** The message shown when a slug does not match. */
    public static final String SLUG_MESSAGE = "must use lowercase letters, digits and single hyphens";

    /** At least one character that is not whitespace. */
    public static final String NOT_BLANK = "(?s).*\\S.*";

    /** A GitHub owner or repository name. */
    public static final String GITHUB_NAME = "^[A-Za-z0-9_.-]+$";

    private Patterns() {}
}
