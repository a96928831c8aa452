package dev.agentcenter.runner.execution;

import dev.agentcenter.model.RunDiff;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

/**
 * The git side of a workspace: clone and branch checkout for runs on a repository, a baseline commit for runs
 * without one, and the diff of everything a run changed. Runs the {@code git} binary (see {@link GitRunner} for the
 * environment, the overrides every call gets and how the token is passed).
 *
 * <p>The repository's remote is pinned when the workspace is made: clone, fetch, push and the default-branch lookup
 * use that URL, never {@code origin} as the workspace's config says, which the run's commands can change. The
 * workspace's {@code origin} is kept in step for people who use the workspace by hand: after a push {@code
 * refs/remotes/origin/<branch>} and {@code branch.<branch>.remote = origin} say what the push did.
 *
 * <p>The config keys that {@link GitRunner}'s command-line overrides cannot neutralize are checked before each call
 * that could run a program or use the token ({@link RepositoryConfig}, an allowlist): {@link #removeUnsafeConfig()}
 * removes them before a run starts (the runner made this repository; the run's commands have not run yet), every later
 * step refuses with {@link UnsafeGitConfigException}. Removing them mid-run instead would change what the run's own
 * commands set up (an LFS filter, say) behind their back, and what gets committed with it.
 */
public final class GitWorkspace {

    static final String BASELINE_MESSAGE = "Agent Center baseline";
    /** git's well-known id of the empty tree (SHA-1 repositories). */
    static final String EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";

    static final String IDENTITY_NAME = "Agent Center";
    static final String IDENTITY_EMAIL = "agent-center@localhost";

    static final String REMOTE_NAME = "origin";
    private static final String TRACKING_PREFIX = "refs/remotes/" + REMOTE_NAME + "/";

    private final Path directory;
    private final GitRunner git;
    /** {@code .git/config} as it was when last found safe: the same file unchanged needs no second look. */
    private volatile ConfigStamp checkedSafe;
    /** Stops a clone or fetch in flight; {@code null} until {@link #stopDownloadsOn} is called. */
    private volatile CompletableFuture<?> downloadStop;

    /**
     * A workspace without a remote (no repository connection): nothing is ever fetched or pushed, no token used.
     *
     * @param directory the workspace; the repository is (or will be) its top level
     * @param timeout the limit for each git command
     */
    public GitWorkspace(Path directory, Duration timeout) {
        this(directory, timeout, null);
    }

    /**
     * A workspace whose repository comes from {@code remoteUrl}.
     *
     * @param directory the workspace; the repository is (or will be) its top level
     * @param timeout the limit for each git command
     * @param remoteUrl the pinned remote, an {@code https://} (or {@code file://}) URL without credentials in it, or
     *     {@code null} for none
     */
    public GitWorkspace(Path directory, Duration timeout, String remoteUrl) {
        if (remoteUrl != null) {
            requireNoCredentials(remoteUrl);
        }
        this.directory = directory.toAbsolutePath().normalize();
        this.git = new GitRunner(this.directory, Objects.requireNonNull(timeout, "timeout"), remoteUrl);
    }

    /**
     * Stops a clone or fetch in flight (and any later one at once) when {@code stop} completes: a cancel, a limit or a
     * lost lease then does not wait for a download that may take minutes; {@link #cloneInto} or {@link #checkout}
     * throws a {@link GitException}. A push is never stopped part way: the remote would be left in doubt.
     */
    public void stopDownloadsOn(CompletableFuture<?> stop) {
        this.downloadStop = stop;
    }

    /** The absolute path of the {@code git} binary every call runs; resolving it early pins it. */
    public static String gitExecutable() {
        return GitRunner.EXECUTABLE;
    }

    /** True if the workspace itself is the top of a git work tree (a repository above it does not count). */
    public boolean isRepository() {
        if (!Files.isDirectory(directory)) {
            return false;
        }
        GitRunner.Captured result =
                git.capture("rev-parse", List.of("rev-parse", "--is-inside-work-tree"), Map.of(), 1024, true);
        return result.exitCode() == 0 && result.text().equals("true");
    }

    /**
     * Makes sure the workspace has a commit to diff against: in a directory that is not a repository, {@code git init
     * -b main} and commit everything present (even nothing) as "Agent Center baseline", with a local identity. On an
     * existing repository with commits, commits nothing. Returns the baseline (or current) commit.
     */
    public String initBaseline() {
        if (isEmptyDirectory()) {
            // A new workspace (the common case): nothing to look up and nothing to add, two git processes in all.
            git.capture("init", List.of("init", "-b", "main"));
            commitBaseline();
            String head = readLooseRef("refs/heads/main");
            return head != null ? head : head();
        }
        if (!isRepository()) {
            git.capture("init", List.of("init", "-b", "main"));
        }
        String head = headOrNull();
        if (head != null) {
            return head;
        }
        requireSafeConfig("git commit (baseline)");
        git.capture("add", List.of("add", "-A"));
        commitBaseline();
        return head();
    }

    private void commitBaseline() {
        git.capture(
                "commit",
                List.of(
                        "-c",
                        "user.name=" + IDENTITY_NAME,
                        "-c",
                        "user.email=" + IDENTITY_EMAIL,
                        "commit",
                        "--allow-empty",
                        "--no-verify",
                        "--quiet",
                        "-m",
                        BASELINE_MESSAGE));
    }

    /**
     * The base to diff a workspace against that was empty when its run started and got no baseline then: a new
     * repository's empty baseline commit (what {@link #initBaseline} lays in an empty directory), or, if the run's
     * commands made a repository of their own, git's empty tree, so that their repository gets no commit of ours.
     */
    public String laterBaselineOfNothing() {
        if (Files.exists(directory.resolve(".git"))) {
            return EMPTY_TREE;
        }
        git.capture("init", List.of("init", "-b", "main"));
        commitBaseline();
        String head = readLooseRef("refs/heads/main");
        return head != null ? head : head();
    }

    /** True when the workspace directory exists and holds nothing at all. */
    public boolean isEmptyDirectory() {
        if (!Files.isDirectory(directory)) {
            return false;
        }
        try (Stream<Path> entries = Files.list(directory)) {
            return entries.findAny().isEmpty();
        } catch (IOException e) {
            return false;
        }
    }

    /** The commit a loose ref file in {@code .git} names, or {@code null} (packed, another format, unreadable). */
    private String readLooseRef(String ref) {
        try {
            String id = Files.readString(directory.resolve(".git").resolve(ref)).strip();
            return id.matches("[0-9a-f]{40}|[0-9a-f]{64}") ? id : null;
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * Clones the pinned remote into the workspace, which must be empty, with the remote named {@code origin}.
     *
     * @param token the repository token, or {@code null} for a public repository; given to git through {@code
     *     GIT_ASKPASS} (username {@code x-access-token}), only for the pinned remote's host, and never written anywhere
     * @param sink receives git's output lines
     * @throws GitException when git fails, with a hint
     */
    public void cloneInto(String token, ShellCommand.OutputSink sink) {
        String remoteUrl = git.remoteUrl();
        try {
            Files.createDirectories(directory);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not create workspace " + directory, e);
        }
        git.stream("clone", List.of("clone", "--origin", REMOTE_NAME, "--", remoteUrl, "."), token, sink, downloadStop);
    }

    /**
     * Fetches the pinned remote's branches into {@code refs/remotes/origin/*} and checks out the run's branch: {@code
     * branchName} as it is on origin if it exists there, else created from {@code baseBranch}; without {@code
     * branchName}, {@code baseBranch} itself. {@code -B} resets the local branch to origin's, as the original did;
     * uncommitted changes in the workspace are kept.
     *
     * @param branchName the run's branch, or {@code null}
     * @param baseBranch where a new branch starts, or {@code null} for origin's default branch
     * @throws GitException when git fails or a branch is missing on origin
     * @throws UnsafeGitConfigException when the workspace's git config is unsafe (see {@link #removeUnsafeConfig})
     */
    public void checkout(String branchName, String baseBranch, String token, ShellCommand.OutputSink sink) {
        requireSafeConfig("git fetch");
        git.stream(
                "fetch",
                List.of(
                        "fetch",
                        "--prune",
                        "--no-recurse-submodules",
                        git.remoteUrl(),
                        "+refs/heads/*:" + TRACKING_PREFIX + "*"),
                token,
                sink,
                downloadStop);
        String base = baseBranch != null && !baseBranch.isBlank() ? baseBranch.strip() : defaultBranch(token, sink);
        requireValidBranchName(base);
        if (branchName != null && !branchName.isBlank()) {
            String branch = branchName.strip();
            requireValidBranchName(branch);
            if (remoteBranchExists(branch)) {
                git.stream("checkout", List.of("checkout", "-B", branch, TRACKING_PREFIX + branch, "--"), null, sink);
                return;
            }
            requireRemoteBranch(base);
            // No tracking: the new branch's upstream is not the base branch, so nothing can push to the base by
            // mistake.
            git.stream(
                    "checkout",
                    List.of("checkout", "--no-track", "-B", branch, TRACKING_PREFIX + base, "--"),
                    null,
                    sink);
            return;
        }
        requireRemoteBranch(base);
        git.stream("checkout", List.of("checkout", "-B", base, TRACKING_PREFIX + base, "--"), null, sink);
    }

    /** The branch checked out, or {@code null} when HEAD is detached. */
    public String currentBranch() {
        GitRunner.Captured result = git.capture(
                "symbolic-ref", List.of("symbolic-ref", "--quiet", "--short", "HEAD"), Map.of(), 4096, true);
        return result.exitCode() == 0 && !result.text().isEmpty() ? result.text() : null;
    }

    /** True if the working tree differs from HEAD: modified, deleted or new (not ignored) files. */
    public boolean hasChanges() {
        requireSafeConfig("git status");
        return git.capture(
                                "status",
                                List.of("status", "--porcelain", "-z", "--untracked-files=all"),
                                Map.of(),
                                1,
                                false)
                        .stdout()
                        .length
                > 0;
    }

    /**
     * Creates (or resets) {@code branch} at the current commit and checks it out; uncommitted changes stay in the
     * working tree.
     *
     * @throws GitException when the name is not a valid branch name or git fails
     */
    public void switchToNewBranch(String branch, ShellCommand.OutputSink sink) {
        requireValidBranchName(branch);
        requireSafeConfig("git checkout");
        git.stream("checkout", List.of("checkout", "-B", branch), null, sink);
    }

    /**
     * Stages everything ({@code git add -A}, ignored files excepted) and commits it as {@code identity}, author and
     * committer alike. The identity goes in through git's environment variables, which win over any configuration,
     * so nothing is written to the repository's or the host's git config. Hooks are off (every call's {@code
     * core.hooksPath} override, and {@code --no-verify}): they could come from the task's own commands, and checks
     * belong in those commands.
     *
     * @return the new commit and the files it changed (renames under their new path)
     * @throws GitException when there is nothing to commit or git fails
     */
    public Commit commitAll(String message, Identity identity) {
        if (message == null || message.isBlank()) {
            throw new IllegalArgumentException("A commit needs a message");
        }
        requireSafeConfig("git commit");
        git.capture("add", List.of("add", "-A"));
        Map<String, String> env = Map.of(
                "GIT_AUTHOR_NAME", identity.name(),
                "GIT_AUTHOR_EMAIL", identity.email(),
                "GIT_COMMITTER_NAME", identity.name(),
                "GIT_COMMITTER_EMAIL", identity.email());
        git.capture("commit", List.of("commit", "--no-verify", "--quiet", "-m", message.strip()), env, 65536, false);
        String sha = head();
        byte[] names = git.capture(
                        "diff-tree",
                        List.of("diff-tree", "--no-commit-id", "--name-only", "-r", "-z", "--root", "-M", sha),
                        Map.of(),
                        Long.MAX_VALUE,
                        false)
                .stdout();
        List<String> files = new ArrayList<>();
        for (String name : new String(names, java.nio.charset.StandardCharsets.UTF_8).split("\0")) {
            if (!name.isEmpty()) {
                files.add(name);
            }
        }
        return new Commit(sha, List.copyOf(files));
    }

    /**
     * How many commits HEAD has that {@code ref} does not, or {@code -1} when {@code ref} does not exist.
     *
     * @param ref a full ref such as {@code refs/remotes/origin/main}
     */
    public int commitsAheadOf(String ref) {
        String target = commitOf(ref);
        if (target == null) {
            return -1;
        }
        return Integer.parseInt(git.capture("rev-list", List.of("rev-list", "--count", target + "..HEAD"))
                .text());
    }

    /** The commit a ref points to (e.g. {@code refs/remotes/origin/feature}), or {@code null} when it does not exist. */
    public String commitOf(String ref) {
        if (ref == null || ref.isBlank() || ref.startsWith("-")) {
            return null;
        }
        GitRunner.Captured result = git.capture(
                "rev-parse", List.of("rev-parse", "--verify", "--quiet", ref + "^{commit}"), Map.of(), 1024, true);
        return result.exitCode() == 0 ? result.text() : null;
    }

    /**
     * Pushes the local {@code branch} to the same name on the pinned remote, then records it as the branch's upstream
     * the way {@code push --set-upstream origin} would ({@code refs/remotes/origin/<branch>}, {@code
     * branch.<branch>.remote} and {@code .merge}). The token goes the same way as for {@link #cloneInto}; pre-push
     * hooks are off.
     *
     * @throws GitException when the remote refuses or git fails, with a hint
     * @throws UnsafeGitConfigException when the workspace's git config is unsafe
     */
    public void push(String branch, String token, ShellCommand.OutputSink sink) {
        requireValidBranchName(branch);
        requireSafeConfig("git push");
        String sha = commitOf("refs/heads/" + branch);
        if (sha == null) {
            throw new GitException(
                    "git push failed: there is no local branch " + branch, GitException.BRANCH_HINT, List.of());
        }
        git.stream(
                "push",
                List.of(
                        "push",
                        "--no-verify",
                        "--no-recurse-submodules",
                        git.remoteUrl(),
                        sha + ":refs/heads/" + branch),
                token,
                sink);
        git.capture("update-ref", List.of("update-ref", TRACKING_PREFIX + branch, sha));
        git.capture("config", List.of("config", "branch." + branch + ".remote", REMOTE_NAME));
        git.capture("config", List.of("config", "branch." + branch + ".merge", "refs/heads/" + branch));
    }

    /**
     * origin's default branch: as recorded by the clone, else asked from origin, else {@code main}.
     *
     * @param token for asking origin; may be {@code null}
     */
    public String originDefaultBranch(String token, ShellCommand.OutputSink sink) {
        requireSafeConfig("git ls-remote");
        return defaultBranch(token, sink);
    }

    /**
     * What in the workspace's git setup the runner's git calls cannot neutralize (see {@link RepositoryConfig}): the
     * offending keys of {@code .git/config}, or a description of a {@code .git} that is not a plain directory of its
     * own (a {@code gitdir:} file, a symbolic link, a linked work tree's {@code commondir}), whose config would be
     * read from elsewhere. Empty when it is safe, or when there is no repository.
     */
    public List<String> unsafeConfig() {
        Path gitDirectory = directory.resolve(".git");
        if (!Files.exists(gitDirectory, LinkOption.NOFOLLOW_LINKS)) {
            return List.of();
        }
        if (!Files.isDirectory(gitDirectory, LinkOption.NOFOLLOW_LINKS)) {
            return List.of(".git (not a directory of the workspace's own)");
        }
        if (Files.exists(gitDirectory.resolve("commondir"), LinkOption.NOFOLLOW_LINKS)) {
            return List.of(".git/commondir (config read from another repository)");
        }
        Path config = gitDirectory.resolve("config");
        if (!Files.exists(config, LinkOption.NOFOLLOW_LINKS)) {
            return List.of();
        }
        if (!Files.isRegularFile(config, LinkOption.NOFOLLOW_LINKS)) {
            return List.of(".git/config (not a regular file)");
        }
        ConfigStamp stamp = ConfigStamp.of(config);
        if (stamp != null && stamp.equals(checkedSafe)) {
            return List.of();
        }
        // git itself parses the file (no includes are followed with --file), so nothing is read differently here
        // than when git uses it.
        GitRunner.Captured listing = git.capture(
                "config",
                List.of("config", "--file", config.toString(), "--list", "--null"),
                Map.of(),
                4L * 1024 * 1024,
                true);
        if (listing.exitCode() != 0 || listing.truncated()) {
            return List.of(".git/config (unreadable for git)");
        }
        List<String> unsafe = RepositoryConfig.unsafeKeys(listing.stdout());
        if (unsafe.isEmpty()) {
            checkedSafe = stamp;
        }
        return unsafe;
    }

    /**
     * Identifies one version of a file: inode, size, modification and change time. The change time cannot be set by
     * a process (unlike the modification time, which {@code touch -d} sets), so a rewritten file never matches.
     */
    private record ConfigStamp(Object inode, Object size, Object modified, Object changed) {
        static ConfigStamp of(Path file) {
            try {
                Map<String, Object> attributes =
                        Files.readAttributes(file, "unix:ino,size,lastModifiedTime,ctime", LinkOption.NOFOLLOW_LINKS);
                ConfigStamp stamp = new ConfigStamp(
                        attributes.get("ino"),
                        attributes.get("size"),
                        attributes.get("lastModifiedTime"),
                        attributes.get("ctime"));
                return stamp.changed() == null || stamp.inode() == null ? null : stamp;
            } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
                return null; // no unix attributes: every check asks git
            }
        }
    }

    /**
     * Removes the unsafe keys {@link #unsafeConfig()} lists from {@code .git/config}, before a run's commands start
     * (the runner made this repository; whatever else is in its config came from an earlier run). Returns the keys
     * removed.
     *
     * @throws UnsafeGitConfigException when something is left that cannot be removed this way
     */
    public List<String> removeUnsafeConfig() {
        List<String> unsafe = unsafeConfig();
        if (unsafe.isEmpty()) {
            return unsafe;
        }
        Path config = directory.resolve(".git").resolve("config");
        for (String key : unsafe) {
            if (!key.startsWith(".git")) {
                git.capture(
                        "config",
                        List.of("config", "--file", config.toString(), "--unset-all", key),
                        Map.of(),
                        0,
                        true);
            }
        }
        List<String> left = unsafeConfig();
        if (!left.isEmpty()) {
            throw new UnsafeGitConfigException("The workspace's git setup cannot be used", left);
        }
        return unsafe;
    }

    /**
     * Who commits.
     *
     * @param name author and committer name
     * @param email author and committer email
     */
    public record Identity(String name, String email) {
        public Identity {
            if (name == null || name.isBlank() || email == null || email.isBlank()) {
                throw new IllegalArgumentException("A commit identity needs a name and an email");
            }
        }
    }

    /**
     * A commit made in the workspace.
     *
     * @param sha its full id
     * @param files the paths it changed
     */
    public record Commit(String sha, List<String> files) {}

    /** The current commit's sha. */
    public String head() {
        return git.capture("rev-parse", List.of("rev-parse", "--verify", "HEAD^{commit}"))
                .text();
    }

    /**
     * Every change of the working tree since {@code baseCommit}, new untracked files and deletions included, ignored
     * files excluded.
     *
     * <p>New files only show in a diff once they are in an index, but the workspace's index belongs to the user (or the
     * agent) and must not change behind their back. So a copy of it is used ({@code GIT_INDEX_FILE}): {@code git add
     * -A} there, then {@code git diff --cached} against the base. The copy keeps the real index's file stat cache, so
     * unchanged files are not read again. The only trace left is
     * the blobs of new files in the object store, which {@code git gc} collects.
     *
     * @param maxPatchBytes the most the patch may hold; a longer one is cut at a line end and marked truncated, while
     *     files and stats stay complete
     */
    public DiffResult diffSince(String baseCommit, int maxPatchBytes) {
        if (baseCommit == null || baseCommit.isBlank() || baseCommit.startsWith("-")) {
            throw new IllegalArgumentException("Not a commit: " + baseCommit);
        }
        requireSafeConfig("git diff");
        String kind = baseCommit.equals(EMPTY_TREE) ? "^{tree}" : "^{commit}";
        GitRunner.Captured verified = git.capture(
                "diff", List.of("rev-parse", "--verify", "--quiet", baseCommit + kind), Map.of(), 1024, true);
        if (verified.exitCode() != 0) {
            throw new GitException(
                    "git diff failed: the base commit " + baseCommit + " is not in the workspace's repository",
                    GitException.BROKEN_REPOSITORY_HINT,
                    verified.tail());
        }
        String base = verified.text();
        Path indexDirectory = null;
        try {
            indexDirectory = Files.createTempDirectory("agent-center-index-");
            Path index = indexDirectory.resolve("index");
            Path realIndex = Files.isDirectory(directory.resolve(".git"))
                    ? directory.resolve(".git/index")
                    : directory.resolve(git.capture("rev-parse", List.of("rev-parse", "--git-path", "index"))
                            .text());
            if (Files.exists(realIndex)) {
                Files.copy(realIndex, index);
            }
            Map<String, String> env = Map.of("GIT_INDEX_FILE", index.toString());
            git.capture("diff (add -A)", List.of("add", "-A"), env, 0, false);
            List<String> diff = List.of("diff", "--cached", "--find-renames", "--no-color", "--no-ext-diff");
            // Most runs of plain commands change nothing: one cheap question saves three diffs.
            if (git.capture("diff", with(diff, "--quiet", base, "--"), env, 0, true)
                            .exitCode()
                    == 0) {
                return DiffResult.EMPTY;
            }
            byte[] nameStatus = git.capture(
                            "diff", with(diff, "-z", "--name-status", base, "--"), env, Long.MAX_VALUE, false)
                    .stdout();
            byte[] numstat = git.capture("diff", with(diff, "-z", "--numstat", base, "--"), env, Long.MAX_VALUE, false)
                    .stdout();
            GitRunner.Captured patch = git.capture(
                    "diff",
                    with(
                            List.of("-c", "core.quotePath=false"),
                            with(diff, "--no-textconv", "--src-prefix=a/", "--dst-prefix=b/", base, "--")),
                    env,
                    Math.max(0, maxPatchBytes),
                    false);
            List<RunDiff.FileChange> files = DiffParsing.files(nameStatus, numstat);
            return new DiffResult(
                    files,
                    DiffParsing.stats(files),
                    DiffParsing.patchText(patch.stdout(), patch.truncated()),
                    patch.truncated());
        } catch (IOException e) {
            throw new UncheckedIOException("Could not prepare a temporary git index", e);
        } finally {
            deleteRecursively(indexDirectory);
        }
    }

    /**
     * The changes of a workspace.
     *
     * @param files each changed file; a renamed file under its new path
     * @param stats totals over {@code files}
     * @param patch a unified diff ({@code a/} and {@code b/} prefixes; binary files as "Binary files … differ")
     * @param truncated the patch was cut at the size limit
     */
    public record DiffResult(List<RunDiff.FileChange> files, RunDiff.Stats stats, String patch, boolean truncated) {
        /** Nothing changed. */
        public static final DiffResult EMPTY = new DiffResult(List.of(), DiffParsing.stats(List.of()), "", false);
    }

    private String headOrNull() {
        GitRunner.Captured result = git.capture(
                "rev-parse", List.of("rev-parse", "--verify", "--quiet", "HEAD^{commit}"), Map.of(), 1024, true);
        return result.exitCode() == 0 ? result.text() : null;
    }

    /**
     * origin's HEAD as recorded by the clone, else asked from the pinned remote ({@code ls-remote --symref}, recorded
     * as {@code refs/remotes/origin/HEAD} as {@code remote set-head} would); {@code main} as a last resort.
     */
    private String defaultBranch(String token, ShellCommand.OutputSink sink) {
        String recorded = originHead();
        if (recorded != null) {
            return recorded;
        }
        List<String> lines = new ArrayList<>();
        try {
            git.stream(
                    "ls-remote", List.of("ls-remote", "--symref", git.remoteUrl(), "HEAD"), token, (stream, line) -> {
                        if (stream == ShellCommand.Stream.STDOUT) {
                            synchronized (lines) {
                                lines.add(line);
                            }
                        } else if (sink != null) {
                            sink.line(stream, line);
                        }
                    });
        } catch (GitException e) {
            return "main";
        }
        String prefix = "ref: refs/heads/";
        synchronized (lines) {
            for (String line : lines) {
                if (line.startsWith(prefix) && line.endsWith("\tHEAD")) {
                    String branch = line.substring(prefix.length(), line.length() - "\tHEAD".length());
                    if (remoteBranchExists(branch)) {
                        git.capture(
                                "symbolic-ref",
                                List.of("symbolic-ref", TRACKING_PREFIX + "HEAD", TRACKING_PREFIX + branch),
                                Map.of(),
                                0,
                                true);
                    }
                    return branch;
                }
            }
        }
        return "main";
    }

    /**
     * Refuses a step the workspace's git config could subvert.
     *
     * @param what the step, for the message
     */
    private void requireSafeConfig(String what) {
        List<String> unsafe = unsafeConfig();
        if (!unsafe.isEmpty()) {
            throw new UnsafeGitConfigException(what + " refused", unsafe);
        }
    }

    private String originHead() {
        GitRunner.Captured result = git.capture(
                "symbolic-ref",
                List.of("symbolic-ref", "--quiet", "--short", TRACKING_PREFIX + "HEAD"),
                Map.of(),
                4096,
                true);
        String ref = result.text();
        return result.exitCode() == 0 && ref.startsWith("origin/") ? ref.substring("origin/".length()) : null;
    }

    private boolean remoteBranchExists(String branch) {
        return git.capture(
                                "show-ref",
                                List.of("show-ref", "--verify", "--quiet", TRACKING_PREFIX + branch),
                                Map.of(),
                                0,
                                true)
                        .exitCode()
                == 0;
    }

    private void requireRemoteBranch(String branch) {
        if (remoteBranchExists(branch)) {
            return;
        }
        String branches = git.capture(
                        "for-each-ref",
                        List.of("for-each-ref", "--count=20", "--format=%(refname:lstrip=3)", TRACKING_PREFIX),
                        Map.of(),
                        65536,
                        true)
                .text()
                .lines()
                .filter(name -> !name.equals("HEAD"))
                .reduce((a, b) -> a + ", " + b)
                .orElse("none");
        throw new GitException(
                "git checkout failed: branch '" + branch + "' does not exist on origin",
                GitException.BRANCH_HINT,
                List.of("Branches on origin: " + branches));
    }

    private void requireValidBranchName(String branch) {
        boolean valid = !branch.startsWith("-")
                && git.capture(
                                        "check-ref-format",
                                        List.of("check-ref-format", "--branch", branch),
                                        Map.of(),
                                        4096,
                                        true)
                                .exitCode()
                        == 0;
        if (!valid) {
            throw new GitException(
                    "git checkout failed: '" + branch + "' is not a valid branch name",
                    GitException.BRANCH_NAME_HINT,
                    List.of());
        }
    }

    /** Credentials in the URL would end up in {@code .git/config}; the token has its own way in. */
    private static void requireNoCredentials(String remoteUrl) {
        Objects.requireNonNull(remoteUrl, "remoteUrl");
        try {
            String userInfo = new URI(remoteUrl).getRawUserInfo();
            if (userInfo != null && userInfo.contains(":")) {
                throw new IllegalArgumentException(
                        "The remote URL must not contain credentials; pass the token separately");
            }
        } catch (URISyntaxException e) {
            // scp-like "git@host:owner/repo" is not a URI and carries no password
        }
    }

    private static List<String> with(List<String> first, String... more) {
        List<String> all = new ArrayList<>(first);
        all.addAll(List.of(more));
        return all;
    }

    private static List<String> with(List<String> first, List<String> second) {
        List<String> all = new ArrayList<>(first);
        all.addAll(second);
        return all;
    }

    private static void deleteRecursively(Path path) {
        if (path == null) {
            return;
        }
        try (Stream<Path> files = Files.walk(path)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            // a leftover copy of an index in the temp directory is harmless
        }
    }
}
