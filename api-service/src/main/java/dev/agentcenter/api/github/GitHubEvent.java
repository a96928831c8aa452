package dev.agentcenter.api.github;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * What one GitHub webhook delivery asks of the product, read from GitHub's documented payloads (issues, issue_comment,
 * pull_request_review, pull_request_review_comment, check_run, workflow_run) and a connection's settings. Pure: no
 * database, no network, so every rule about what triggers and what never does is here.
 */
sealed interface GitHubEvent {

    /**
     * Written into every comment the product posts on GitHub (worker-service GitHubNotices): a comment that carries
     * it is the product's own and never triggers, whoever's token posted it.
     */
    String OWN_MARKER = "<!-- agent-center -->";

    /** Start (or, when the issue already has a task, continue) the task of an issue. */
    record IssueWork(int issue, String title, String body, String url, String command) implements GitHubEvent {}

    /** Feedback on a pull request, for the follow-up of the task that opened it. */
    record PullRequestFeedback(List<Integer> pullRequests, String branch, String kind, String feedback)
            implements GitHubEvent {}

    /** Nothing to do, and why. */
    record Ignored(String reason) implements GitHubEvent {}

    /** The conclusions that count as a failed check. */
    Set<String> FAILED = Set.of("failure", "timed_out");

    /** The most of a check's output or a comment kept in a prompt. */
    int MAX_TEXT = 4000;

    static GitHubEvent read(String event, JsonNode payload, GitHubSettings settings) {
        String action = payload.path("action").asString("");
        if ("Bot".equalsIgnoreCase(payload.path("sender").path("type").asString(""))) {
            return new Ignored("the sender is a bot");
        }
        return switch (event) {
            case "issues" -> issue(action, payload, settings);
            case "issue_comment" -> comment(action, payload, settings);
            case "pull_request_review" -> review(action, payload, settings);
            case "pull_request_review_comment" -> reviewComment(action, payload, settings);
            case "check_run" -> checkRun(action, payload, settings);
            case "workflow_run" -> workflowRun(action, payload, settings);
            case "ping" -> new Ignored("ping");
            default -> new Ignored("event " + event + " is not one the product acts on");
        };
    }

    private static GitHubEvent issue(String action, JsonNode payload, GitHubSettings settings) {
        if (!action.equals("labeled") || !settings.labelTrigger()) {
            return new Ignored("issues." + action + " starts nothing");
        }
        String label = payload.path("label").path("name").asString("");
        if (!label.equalsIgnoreCase(settings.label())) {
            return new Ignored("label " + label + " is not " + settings.label());
        }
        JsonNode issue = payload.path("issue");
        return issueWork(issue, null);
    }

    private static GitHubEvent comment(String action, JsonNode payload, GitHubSettings settings) {
        JsonNode comment = payload.path("comment");
        String body = comment.path("body").asString("");
        if (!action.equals("created") || !settings.commentTrigger()) {
            return new Ignored("issue_comment." + action + " starts nothing");
        }
        if (ownOrBot(comment)) {
            return new Ignored("the product's own comment or a bot's");
        }
        String prompt = command(body, settings.command());
        if (prompt == null) {
            return new Ignored("the comment is not a " + settings.command() + " command");
        }
        JsonNode issue = payload.path("issue");
        if (issue.has("pull_request")) {
            return new PullRequestFeedback(
                    List.of(issue.path("number").asInt()),
                    null,
                    "comment",
                    "A comment by " + login(comment) + " on the pull request asks:\n" + prompt);
        }
        return issueWork(issue, prompt);
    }

    private static GitHubEvent review(String action, JsonNode payload, GitHubSettings settings) {
        JsonNode review = payload.path("review");
        String body = review.path("body").asString("").strip();
        String state = review.path("state").asString("").toLowerCase(Locale.ROOT);
        if (!action.equals("submitted") || !settings.reviewTrigger()) {
            return new Ignored("pull_request_review." + action + " starts nothing");
        }
        if (ownOrBot(review)) {
            return new Ignored("the product's own review or a bot's");
        }
        if (state.equals("approved") || state.equals("dismissed")) {
            return new Ignored("an " + state + " review asks for no change");
        }
        // A review's line comments arrive as pull_request_review_comment deliveries of their own; the review itself
        // adds its summary, when it has one, or the request for changes.
        if (body.isEmpty() && !state.equals("changes_requested")) {
            return new Ignored("a " + state + " review without a summary (its line comments arrive separately)");
        }
        String text = "Review by " + login(review) + " (" + state.replace('_', ' ') + ")"
                + (body.isEmpty() ? "" : ":\n" + clip(body));
        return new PullRequestFeedback(
                List.of(payload.path("pull_request").path("number").asInt()), null, "review", text);
    }

    private static GitHubEvent reviewComment(String action, JsonNode payload, GitHubSettings settings) {
        JsonNode comment = payload.path("comment");
        if (!action.equals("created") || !settings.reviewTrigger()) {
            return new Ignored("pull_request_review_comment." + action + " starts nothing");
        }
        if (ownOrBot(comment)) {
            return new Ignored("the product's own comment or a bot's");
        }
        JsonNode line = comment.path("line").isNumber() ? comment.path("line") : comment.path("original_line");
        String where = comment.path("path").asString("?") + (line.isNumber() ? ":" + line.asInt() : "");
        return new PullRequestFeedback(
                List.of(payload.path("pull_request").path("number").asInt()),
                null,
                "review_comment",
                "Review comment by " + login(comment) + " on " + where + ":\n"
                        + clip(comment.path("body").asString("")));
    }

    private static GitHubEvent checkRun(String action, JsonNode payload, GitHubSettings settings) {
        JsonNode check = payload.path("check_run");
        String conclusion = check.path("conclusion").asString("");
        if (!action.equals("completed") || !settings.checkTrigger() || !FAILED.contains(conclusion)) {
            return new Ignored("check_run." + action + " (" + conclusion + ") is no failure");
        }
        JsonNode output = check.path("output");
        String title = output.path("title").asString("");
        String summary = output.path("summary").asString("");
        String text = output.path("text").asString("");
        StringBuilder feedback =
                new StringBuilder("Check \"" + check.path("name").asString("?") + "\" " + conclusion
                        + (title.isBlank() ? "" : ": " + title.strip()));
        if (!summary.isBlank()) {
            feedback.append("\n").append(clip(summary.strip()));
        }
        if (!text.isBlank()) {
            feedback.append("\n").append(clip(text.strip()));
        }
        return new PullRequestFeedback(
                numbers(check.path("pull_requests")),
                check.path("check_suite").path("head_branch").asString(null),
                "check_run",
                feedback.toString());
    }

    private static GitHubEvent workflowRun(String action, JsonNode payload, GitHubSettings settings) {
        JsonNode run = payload.path("workflow_run");
        String conclusion = run.path("conclusion").asString("");
        if (!action.equals("completed") || !settings.checkTrigger() || !FAILED.contains(conclusion)) {
            return new Ignored("workflow_run." + action + " (" + conclusion + ") is no failure");
        }
        String url = run.path("html_url").asString("");
        return new PullRequestFeedback(
                numbers(run.path("pull_requests")),
                run.path("head_branch").asString(null),
                "workflow_run",
                "Workflow \"" + run.path("name").asString("?") + "\" " + conclusion
                        + (url.isBlank() ? "" : " (" + url + ")"));
    }

    private static GitHubEvent issueWork(JsonNode issue, String command) {
        int number = issue.path("number").asInt(0);
        if (number <= 0) {
            return new Ignored("the payload names no issue");
        }
        return new IssueWork(
                number,
                issue.path("title").asString("Issue #" + number),
                issue.path("body").asString(""),
                issue.path("html_url").asString(""),
                command);
    }

    /** The prompt after the command at the start of the comment, or {@code null} when it is no command. */
    static String command(String body, String command) {
        String text = body.strip();
        if (!text.regionMatches(true, 0, command, 0, command.length())) {
            return null;
        }
        String rest = text.substring(command.length());
        if (!rest.isEmpty() && !Character.isWhitespace(rest.charAt(0))) {
            return null; // /agent-centerx is another command
        }
        rest = rest.strip();
        return rest.isEmpty() ? null : clip(rest);
    }

    private static boolean ownOrBot(JsonNode commentOrReview) {
        return commentOrReview.path("body").asString("").contains(OWN_MARKER)
                || "Bot"
                        .equalsIgnoreCase(
                                commentOrReview.path("user").path("type").asString(""));
    }

    private static String login(JsonNode node) {
        return "@" + node.path("user").path("login").asString("someone");
    }

    private static List<Integer> numbers(JsonNode pullRequests) {
        List<Integer> numbers = new ArrayList<>();
        if (pullRequests.isArray()) {
            pullRequests
                    .valueStream()
                    .map(pr -> pr.path("number").asInt(0))
                    .filter(n -> n > 0)
                    .forEach(numbers::add);
        }
        return numbers;
    }

    private static String clip(String text) {
        return text.length() <= MAX_TEXT ? text : text.substring(0, MAX_TEXT) + "\n[…cut]";
    }
}
