package dev.agentcenter.runner.delivery;

import dev.agentcenter.runner.execution.GitException;
import dev.agentcenter.runner.execution.GitWorkspace;
import dev.agentcenter.runner.execution.SecretRedactor;
import dev.agentcenter.runner.execution.ShellCommand;
import dev.agentcenter.runner.execution.UnsafeGitConfigException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import org.springframework.stereotype.Component;

/**
 * Delivers what a successful run changed, when its config asks for it ({@code commitMessage}, {@code prTitle}):
 * commit on the run's branch, push it, open a pull request. Each step is an event.
 *
 * <p>The rules:
 *
 * <ul>
 *   <li>Only after the run succeeded: the caller does not call this after a failed command or a cancel. A cancel (or
 *       a lost lease) that arrives meanwhile starts no further step; a step that finished (a commit, a push, a pull
 *       request GitHub confirmed) is recorded, since it happened. A GitHub call in flight is cancelled at once rather
 *       than awaited, and records nothing: whether GitHub opened the pull request is unknown, and the task's next
 *       run finds one it did open (GitHub's 422 path).
 *   <li>The commit message is {@code commitMessage}, else {@code prTitle}. The author and committer are {@code
 *       RUNNER_GIT_AUTHOR_NAME}/{@code _EMAIL}, given to git per command; no git config is written.
 *   <li>The branch is the run's {@code branchName}. A run on a repository without one gets {@code
 *       agent-center/<first 8 characters of the task id>}, recorded on the run and on the task so that follow-ups
 *       continue on it. A plain workspace commits on the branch it is on.
 *   <li>Nothing to commit is no failure: {@code git.commit.skipped} "Nothing to commit". When the branch still has
 *       commits its base does not (a follow-up, or an agent that committed itself), they are pushed and proposed;
 *       otherwise nothing more happens.
 *   <li>Without a repository connection the commit stays in the workspace: {@code git.push.skipped} (warn) says that
 *       nothing was pushed and no pull request opened; the run still completes.
 *   <li>The push goes to the pinned remote ({@code RUNNER_GIT_BASE_URL/<owner>/<repo>.git}, never the workspace's
 *       {@code origin}, which the run's commands can point anywhere), with the token through {@code GIT_ASKPASS}, as
 *       for the clone, and is recorded as the branch's upstream on {@code origin}. Nothing new to push is {@code
 *       git.push.skipped} (info).
 *   <li>A workspace whose git config could make the runner's git run a program of the run's or send the token
 *       elsewhere ({@code filter.*}, {@code url.*.insteadOf}, {@code include.path}, …) delivers nothing: {@code
 *       git.config.unsafe} (error) lists the keys and the run fails with {@code unsafe_git_config}.
 *   <li>The pull request goes from the branch into the run's {@code baseBranch}, else the connection's (or
 *       project's) default branch, else origin's. A pull request already open for the branch is reported as the
 *       run's pull request, not opened twice. A pull request whose branch is its base, or without a token, fails
 *       before anything is committed, so the base branch is never pushed to by mistake.
 *   <li>A failed step fails the run ({@code commit_failed}, {@code push_failed}, {@code pull_request_failed}) with
 *       the cause and a hint; the steps before it stay done and their events written.
 * </ul>
 */
@Component
public class GitDelivery {

    /** The name the pushed branch's upstream is recorded under; the push itself goes to the pinned remote URL. */
    static final String REMOTE = "origin";

    static final String BRANCH_PREFIX = "agent-center/";

    private final DeliveryProperties properties;
    private final GitHubPulls pulls;

    public GitDelivery(DeliveryProperties properties, GitHubPulls pulls) {
        this.properties = properties;
        this.pulls = pulls;
    }

    /**
     * A repository connection.
     *
     * @param defaultBranch the connection's (or project's) default branch, or {@code null} for origin's
     */
    public record Repository(String owner, String repo, String defaultBranch) {
        String fullName() {
            return owner + "/" + repo;
        }
    }

    /**
     * What a run asks for and where it stands.
     *
     * @param branchName the run's branch, or {@code null}
     * @param baseBranch the run's base branch, or {@code null}
     * @param repository the connection, or {@code null} for a plain workspace
     * @param token the repository token, or {@code null}
     * @param redactor removes the run's secrets from messages
     */
    public record Request(
            UUID taskId,
            String commitMessage,
            String prTitle,
            String prBody,
            String branchName,
            String baseBranch,
            Repository repository,
            String token,
            SecretRedactor redactor) {

        /** True when the config asks for a commit (and a pull request). */
        public boolean asked() {
            return !blank(commitMessage) || !blank(prTitle);
        }
    }

    /** An event of the delivery. */
    public record Event(String type, String level, String message, Map<String, Object> payload) {}

    /** Where the delivery writes; implemented by the run, which fences every write by its lease. */
    public interface Journal {
        /**
         * Writes the event in one transaction, together with a branch the run chose for itself (recorded on the run,
         * and on its task when the task has none) and the pull request (on the run).
         *
         * @param newBranch the generated branch, or {@code null}
         * @param pullRequest the pull request, or {@code null}
         * @return false when the run is no longer this runner's: the delivery stops
         */
        boolean write(Event event, String newBranch, GitHubPulls.PullRequest pullRequest);

        /** Receives git's output lines of a step. */
        ShellCommand.OutputSink gitOutput(String phase);
    }

    /** A delivery step failed; the run fails with this code and message. */
    public static final class Failure extends RuntimeException {
        private final String code;

        Failure(String code, String message) {
            super(message, null, false, false);
            this.code = code;
        }

        public String code() {
            return code;
        }
    }

    /**
     * Commits, pushes and opens the pull request as asked; does nothing when nothing is asked.
     *
     * @param stop completed once the run is cancelled, lost or past a limit: no further step starts, a GitHub call in
     *     flight is cancelled
     * @throws Failure when a step fails
     */
    public void deliver(Request request, GitWorkspace git, Journal journal, CompletableFuture<?> stop) {
        if (!request.asked() || stop.isDone()) {
            return;
        }
        new Steps(request, git, journal, stop).run();
    }

    /** One delivery; {@code pendingBranch} rides on the next event written. */
    private final class Steps {
        private final Request request;
        private final GitWorkspace git;
        private final Journal journal;
        private final CompletableFuture<?> stop;
        private final Repository repository;
        private String pendingBranch;

        Steps(Request request, GitWorkspace git, Journal journal, CompletableFuture<?> stop) {
            this.request = request;
            this.git = git;
            this.journal = journal;
            this.stop = stop;
            this.repository = request.repository();
        }

        void run() {
            refuseUnsafeConfig();
            boolean wantsPullRequest = !blank(request.prTitle());
            String current = git.currentBranch();
            boolean generated = false;
            String branch;
            if (!blank(request.branchName())) {
                branch = request.branchName().strip();
            } else if (repository == null && current != null) {
                branch = current;
            } else {
                branch = BRANCH_PREFIX + request.taskId().toString().substring(0, 8);
                generated = true;
            }
            String base = null;
            if (repository != null) {
                base = baseBranch();
                if (wantsPullRequest) {
                    requirePullRequestPossible(branch, base);
                }
            }

            boolean changes = gitStep("commit_failed", git::hasChanges);
            if (!changes) {
                if (!write(new Event("git.commit.skipped", "info", "Nothing to commit", Map.of("branch", branch)))) {
                    return;
                }
                if (repository == null || git.commitsAheadOf("refs/remotes/" + REMOTE + "/" + base) <= 0) {
                    return;
                }
            }
            if (stop.isDone()) {
                return;
            }
            if (!branch.equals(current)) {
                gitRun("commit_failed", () -> git.switchToNewBranch(branch, journal.gitOutput("commit")));
                pendingBranch = generated && repository != null ? branch : null;
            }
            if (changes && !commit(branch)) {
                return;
            }
            if (repository == null) {
                write(new Event(
                        "git.push.skipped",
                        "warn",
                        "The task has no repository connection: the commit stays in the workspace; nothing was"
                                + " pushed and no pull request was opened",
                        Map.of("branch", branch, "reason", "no_repository")));
                return;
            }
            if (stop.isDone() || !push(branch)) {
                return;
            }
            if (wantsPullRequest && !stop.isDone()) {
                openPullRequest(branch, base);
            }
        }

        private boolean commit(String branch) {
            String message = !blank(request.commitMessage())
                    ? request.commitMessage().strip()
                    : request.prTitle().strip();
            GitWorkspace.Commit commit = gitStep(
                    "commit_failed",
                    () -> git.commitAll(
                            message, new GitWorkspace.Identity(properties.authorName(), properties.authorEmail())));
            Map<String, Object> payload = new LinkedHashMap<>();
            payload.put("sha", commit.sha());
            payload.put("branch", branch);
            payload.put("files", commit.files());
            int count = commit.files().size();
            return write(new Event(
                    "git.commit.created",
                    "info",
                    "Committed " + count + " file" + (count == 1 ? "" : "s") + " on " + branch + " ("
                            + commit.sha()
                                    .substring(0, Math.min(12, commit.sha().length())) + "): "
                            + request.redactor().redact(firstLine(message)),
                    payload));
        }

        private boolean push(String branch) {
            Map<String, Object> payload = new LinkedHashMap<>();
            payload.put("branch", branch);
            payload.put("remote", REMOTE);
            if (git.head().equals(git.commitOf("refs/remotes/" + REMOTE + "/" + branch))) {
                Map<String, Object> skipped = new LinkedHashMap<>(payload);
                skipped.put("reason", "up_to_date");
                return write(new Event(
                        "git.push.skipped",
                        "info",
                        "Branch " + branch + " is already up to date on " + repository.fullName(),
                        skipped));
            }
            gitRun("push_failed", () -> git.push(branch, request.token(), journal.gitOutput("push")));
            return write(new Event(
                    "git.branch.pushed", "info", "Pushed " + branch + " to " + repository.fullName(), payload));
        }

        private void openPullRequest(String branch, String base) {
            GitHubPulls.PullRequest pullRequest;
            try {
                pullRequest = pulls.open(
                        new GitHubPulls.Proposal(
                                repository.owner(),
                                repository.repo(),
                                branch,
                                base,
                                request.prTitle().strip(),
                                request.prBody()),
                        request.token(),
                        request.redactor(),
                        stop);
            } catch (CancellationException e) {
                return; // the run stopped: nothing is recorded, the run ends cancelled (or is no longer ours)
            } catch (GitHubPulls.GitHubException e) {
                if (stop.isDone()) {
                    return; // an answer that raced the stop: the run ends cancelled, not failed
                }
                throw new Failure(
                        "pull_request_failed",
                        request.redactor()
                                .redact("Could not open the pull request: " + e.getMessage() + ". The commit and the"
                                        + " push of " + branch + " are done.\n\nWhat to do: " + e.hint()));
            }
            Map<String, Object> payload = new LinkedHashMap<>();
            payload.put("number", pullRequest.number());
            payload.put("url", pullRequest.url());
            String message = pullRequest.alreadyOpen()
                    ? "Pull request #" + pullRequest.number() + " is already open for " + branch
                            + "; it now has this run's commits"
                    : "Opened pull request #" + pullRequest.number() + " from " + branch + " into " + base;
            journal.write(new Event("git.pr.opened", "info", message, payload), pendingBranch, pullRequest);
        }

        /** The run's base branch, else the connection's default branch, else origin's. */
        private String baseBranch() {
            if (!blank(request.baseBranch())) {
                return request.baseBranch().strip();
            }
            if (repository != null && !blank(repository.defaultBranch())) {
                return repository.defaultBranch().strip();
            }
            return gitStep("push_failed", () -> git.originDefaultBranch(request.token(), journal.gitOutput("push")));
        }

        /** What GitHub would refuse anyway is refused before anything is committed or pushed. */
        private void requirePullRequestPossible(String branch, String base) {
            if (branch.equals(base)) {
                throw new Failure(
                        "pull_request_failed",
                        "The run's branch is its base branch " + base + ", so no pull request can be opened;"
                                + " nothing was committed or pushed.\n\nWhat to do: give the task a branch name of its"
                                + " own (or none, to get agent-center/<task>), then retry.");
            }
            if (blank(request.token())) {
                throw new Failure(
                        "pull_request_failed",
                        "No GitHub token for " + repository.fullName() + ", so no pull request can be opened;"
                                + " nothing was committed or pushed.\n\nWhat to do: give the repository connection a"
                                + " token (or the runner GITHUB_TOKEN), then retry.");
            }
        }

        private boolean write(Event event) {
            boolean ok = journal.write(event, pendingBranch, null);
            pendingBranch = null;
            return ok;
        }

        /**
         * The run's commands may have set up git config that would make the runner's commit or push run a program
         * of theirs or send the token elsewhere (see {@link GitWorkspace#unsafeConfig}): nothing is delivered then.
         */
        private void refuseUnsafeConfig() {
            List<String> unsafe = git.unsafeConfig();
            if (!unsafe.isEmpty()) {
                throw refused(new UnsafeGitConfigException("Delivery refused", unsafe));
            }
        }

        private Failure refused(UnsafeGitConfigException e) {
            List<String> keys =
                    e.keys().stream().map(key -> request.redactor().redact(key)).toList();
            write(new Event(
                    "git.config.unsafe",
                    "error",
                    "Nothing was committed or pushed: the workspace's git config could run programs or send the"
                            + " repository token elsewhere: " + String.join(", ", keys),
                    Map.of("keys", keys, "action", "refused")));
            return new Failure(
                    UnsafeGitConfigException.CODE,
                    request.redactor()
                            .redact(e.getMessage() + ". Nothing more was delivered.\n\nWhat to do: " + e.hint()));
        }

        private <T> T gitStep(String code, java.util.function.Supplier<T> step) {
            try {
                return step.get();
            } catch (UnsafeGitConfigException e) {
                throw refused(e);
            } catch (GitException e) {
                String tail =
                        e.outputTail().isEmpty() ? "" : "\n\nRecent output:\n" + String.join("\n", e.outputTail());
                throw new Failure(
                        code, request.redactor().redact(e.getMessage() + tail + "\n\nWhat to do: " + e.hint()));
            }
        }

        private void gitRun(String code, Runnable step) {
            gitStep(code, () -> {
                step.run();
                return null;
            });
        }
    }

    private static String firstLine(String message) {
        int end = message.indexOf('\n');
        return end < 0 ? message : message.substring(0, end).strip();
    }

    static boolean blank(String value) {
        return value == null || value.isBlank();
    }
}
