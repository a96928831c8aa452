package dev.agentcenter.model;

/** Validation patterns shared by requests. */
public final class Patterns {
    /** Lowercase letters, digits and single hyphens: {@code my-project-2}. */
    public static final String SLUG = "^[a-z0-9]+(-[a-z0-9]+)*$";

    /** The message shown when a slug does not match. */
    public static final String SLUG_MESSAGE = "must use lowercase letters, digits and single hyphens";

    /** At least one character that is not whitespace. */
    public static final String NOT_BLANK = "(?s).*\\S.*";

    /**
     * A GitHub owner or repository name. {@code .} and {@code ..} are refused: as URL path segments they would
     * climb out of {@code /repos/{owner}/{repo}}.
     */
    public static final String GITHUB_NAME = "^(?!\\.{1,2}$)[A-Za-z0-9_.-]+$";

    /**
     * A git branch name that is safe to pass to git: letters, digits, {@code . _ - /}; not starting with {@code -}
     * (it would read as an option) or {@code /}, no {@code ..} or {@code //}, not ending with {@code /}, {@code .}
     * or {@code .lock}.
     */
    public static final String BRANCH = "^(?![-/])(?!.*\\.\\.)(?!.*//)(?!.*[/.]$)(?!.*\\.lock$)[A-Za-z0-9._/-]+$";

    /** The message shown when a branch name does not match {@link #BRANCH}. */
    public static final String BRANCH_MESSAGE = "is not a valid git branch name";

    private Patterns() {}
}
