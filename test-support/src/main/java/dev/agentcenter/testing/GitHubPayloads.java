package dev.agentcenter.testing;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Webhook payloads in the shapes GitHub documents (docs.github.com, "Webhook events and payloads"), trimmed to the
 * fields a receiver sees in every delivery plus the ones of each event; GitHub sends many more, which are ignored.
 */
public final class GitHubPayloads {

    private GitHubPayloads() {}

    public static String repository(String owner, String repo) {
        return """
                {"id":1296269,"node_id":"MDEwOlJlcG9zaXRvcnkxMjk2MjY5","name":"%s","full_name":"%s/%s","private":false,\
                "owner":{"login":"%s","id":1,"type":"Organization"},"html_url":"https://github.com/%s/%s",\
                "default_branch":"main"}""".formatted(repo, owner, repo, owner, owner, repo);
    }

    public static String user(String login, String type) {
        return """
                {"login":"%s","id":583231,"node_id":"MDQ6VXNlcjU4MzIzMQ==","type":"%s","site_admin":false}""".formatted(login, type);
    }

    public static String issueLabeled(
            String owner, String repo, int number, String title, String body, String label, String senderType) {
        return """
                {"action":"labeled","issue":{"url":"https://api.github.com/repos/%1$s/%2$s/issues/%3$d",\
                "html_url":"https://github.com/%1$s/%2$s/issues/%3$d","id":1,"number":%3$d,"title":%4$s,\
                "user":%5$s,"labels":[{"id":208045946,"name":"%6$s","color":"f29513","default":false}],\
                "state":"open","locked":false,"comments":0,"body":%7$s},\
                "label":{"id":208045946,"name":"%6$s","color":"f29513","default":false},\
                "repository":%8$s,"sender":%9$s}""".formatted(
                        owner,
                        repo,
                        number,
                        quote(title),
                        user("octocat", "User"),
                        label,
                        quote(body),
                        repository(owner, repo),
                        user(senderType.equals("Bot") ? "dependabot[bot]" : "octocat", senderType));
    }

    public static String issueComment(
            String owner, String repo, int number, boolean onPullRequest, String body, String senderType) {
        String pullRequest = onPullRequest
                ? ",\"pull_request\":{\"url\":\"https://api.github.com/repos/%s/%s/pulls/%d\",\"html_url\":\"https://github.com/%s/%s/pull/%d\"}"
                        .formatted(owner, repo, number, owner, repo, number)
                : "";
        return """
                {"action":"created","issue":{"html_url":"https://github.com/%1$s/%2$s/issues/%3$d","number":%3$d,\
                "title":"Spelling in README","state":"open","body":"The README says teh.","user":%4$s%5$s},\
                "comment":{"id":1362,"html_url":"https://github.com/%1$s/%2$s/issues/%3$d#issuecomment-1362",\
                "user":%6$s,"created_at":"2026-12-03T10:00:00Z","body":%7$s,"author_association":"OWNER"},\
                "repository":%8$s,"sender":%6$s}""".formatted(
                        owner,
                        repo,
                        number,
                        user("octocat", "User"),
                        pullRequest,
                        user("reviewer", senderType),
                        quote(body),
                        repository(owner, repo));
    }

    public static String reviewComment(String owner, String repo, int pr, String path, int line, String body) {
        return """
                {"action":"created","comment":{"id":2,"pull_request_review_id":11,"diff_hunk":"@@ -1 +1 @@",\
                "path":"%4$s","commit_id":"6dcb09b5b57875f334f61aebed695e2e4193db5e","user":%5$s,"body":%6$s,\
                "line":%7$d,"original_line":%7$d,"side":"RIGHT","author_association":"MEMBER"},\
                "pull_request":{"number":%3$d,"state":"open","title":"Fix","head":{"ref":"agent-center/issue-1",\
                "sha":"6dcb09b5b57875f334f61aebed695e2e4193db5e"},"base":{"ref":"main"}},\
                "repository":%8$s,"sender":%5$s}""".formatted(
                        owner, repo, pr, path, user("reviewer", "User"), quote(body), line, repository(owner, repo));
    }

    public static String review(String owner, String repo, int pr, String state, String body) {
        return """
                {"action":"submitted","review":{"id":11,"user":%4$s,"body":%5$s,"state":"%6$s",\
                "commit_id":"6dcb09b5b57875f334f61aebed695e2e4193db5e","submitted_at":"2026-12-03T10:00:00Z",\
                "html_url":"https://github.com/%1$s/%2$s/pull/%3$d#pullrequestreview-11"},\
                "pull_request":{"number":%3$d,"state":"open","head":{"ref":"agent-center/issue-1",\
                "sha":"6dcb09b5b57875f334f61aebed695e2e4193db5e"},"base":{"ref":"main"}},\
                "repository":%7$s,"sender":%4$s}""".formatted(
                        owner,
                        repo,
                        pr,
                        user("reviewer", "User"),
                        body == null ? "null" : quote(body),
                        state,
                        repository(owner, repo));
    }

    public static String checkRun(
            String owner, String repo, int pr, String branch, String name, String conclusion, String summary) {
        return """
                {"action":"completed","check_run":{"id":128620228,"head_sha":"ce587453ced02b1526dfb4cb910479d431683101",\
                "external_id":"","url":"https://api.github.com/repos/%1$s/%2$s/check-runs/128620228",\
                "status":"completed","conclusion":"%5$s","started_at":"2026-12-03T10:00:00Z",\
                "completed_at":"2026-12-03T10:01:00Z","output":{"title":"1 test failed","summary":%6$s,"text":null,\
                "annotations_count":0},"name":"%4$s","check_suite":{"id":118578147,"head_branch":"%7$s",\
                "head_sha":"ce587453ced02b1526dfb4cb910479d431683101","status":"completed","conclusion":"%5$s"},\
                "app":{"id":29310,"slug":"github-actions"},\
                "pull_requests":[{"url":"https://api.github.com/repos/%1$s/%2$s/pulls/%3$d","id":1934,"number":%3$d,\
                "head":{"ref":"%7$s","sha":"ce587453ced02b1526dfb4cb910479d431683101"},"base":{"ref":"main"}}]},\
                "repository":%8$s,"sender":%9$s}""".formatted(
                        owner,
                        repo,
                        pr,
                        name,
                        conclusion,
                        quote(summary),
                        branch,
                        repository(owner, repo),
                        user("octocat", "User"));
    }

    public static String starred(String owner, String repo) {
        return """
                {"action":"created","starred_at":"2026-12-03T10:00:00Z","repository":%s,"sender":%s}""".formatted(repository(owner, repo), user("fan", "User"));
    }

    /**
     * {@code X-Hub-Signature-256} as GitHub computes it (HMAC-SHA256 of the raw body, hex), written here on its own
     * rather than with the product's code, so a test does not check the product against itself.
     */
    public static String signature(String secret, String body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return "sha256=" + HexFormat.of().formatHex(mac.doFinal(body.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String quote(String text) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : text.toCharArray()) {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                default -> out.append(c);
            }
        }
        return out.append('"').toString();
    }
}
