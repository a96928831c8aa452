package dev.agentcenter.runner.execution;

import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * A git step failed. Carries what a person needs to act on it: a {@link #hint()} inferred from git's output (as the
 * original did) and the last lines of that output, with the repository token already removed.
 */
public class GitException extends RuntimeException {

    static final String CREDENTIALS_HINT = "The repository credentials look invalid or the repository does not exist:"
            + " check the repo connection's token and owner/repo.";
    static final String BRANCH_HINT = "The branch does not exist on origin: pick an existing base branch.";
    static final String BROKEN_REPOSITORY_HINT =
            "Repository setup did not finish cleanly: retry the task to recreate the workspace.";
    static final String NOT_EMPTY_HINT = "The workspace already has files, so the repository cannot be cloned into it:"
            + " retry the task to get a fresh workspace.";
    static final String LOCAL_CHANGES_HINT = "Uncommitted changes in the workspace conflict with the branch:"
            + " start a new task, or use the branch the previous run worked on.";
    static final String BRANCH_NAME_HINT = "The branch name is not valid for git: pick another name.";
    static final String PUSH_REJECTED_HINT = "The branch moved on origin while the run worked (someone else pushed to"
            + " it): retry the task so it starts from the branch as it is now, or use another branch.";
    static final String PROTECTED_BRANCH_HINT = "origin does not accept direct pushes to this branch (branch"
            + " protection): give the task its own branch name.";
    static final String DEFAULT_HINT = "Check the git output for the cause; retry the task if it was temporary.";

    private final String hint;
    private final List<String> outputTail;

    public GitException(String message, String hint, List<String> outputTail) {
        super(message);
        this.hint = hint;
        this.outputTail = List.copyOf(outputTail);
    }

    /** What to do about it, for a person. */
    public String hint() {
        return hint;
    }

    /** The last lines (at most 8) of git's error output, or of its standard output when it wrote no errors. */
    public List<String> outputTail() {
        return outputTail;
    }

    static GitException failed(String step, int exitCode, List<String> tail) {
        return new GitException(
                "git " + step + " failed with exit code " + exitCode, hintFor(String.join("\n", tail)), tail);
    }

    static GitException timedOut(String step, Duration timeout, List<String> tail) {
        return new GitException(
                "git " + step + " did not finish within " + timeout.toSeconds() + " s and was stopped",
                "Check the network and the size of the repository, then retry the task.",
                tail);
    }

    /** The original's hints, extended to the messages this runner's git invocations produce. */
    static String hintFor(String output) {
        String text = output.toLowerCase(Locale.ROOT);
        if (containsAny(
                text,
                "authentication failed",
                "could not read username",
                "could not read password",
                "repository not found",
                "does not appear to be a git repository",
                "the requested url returned error: 401",
                "the requested url returned error: 403",
                "the requested url returned error: 404",
                "terminal prompts disabled")) {
            return CREDENTIALS_HINT;
        }
        if (containsAny(text, "protected branch", "gh006")) {
            return PROTECTED_BRANCH_HINT;
        }
        if (containsAny(text, "[rejected]", "non-fast-forward", "fetch first", "failed to push some refs")) {
            return PUSH_REJECTED_HINT;
        }
        if (containsAny(
                text,
                "couldn't find remote ref",
                "pathspec",
                "is not a commit",
                "invalid reference",
                "unknown revision",
                "remote branch")) {
            return BRANCH_HINT;
        }
        if (text.contains("not a git repository")) {
            return BROKEN_REPOSITORY_HINT;
        }
        if (text.contains("already exists and is not an empty directory")) {
            return NOT_EMPTY_HINT;
        }
        if (text.contains("would be overwritten")) {
            return LOCAL_CHANGES_HINT;
        }
        return DEFAULT_HINT;
    }

    private static boolean containsAny(String text, String... needles) {
        for (String needle : needles) {
            if (text.contains(needle)) {
                return true;
            }
        }
        return false;
    }
}
