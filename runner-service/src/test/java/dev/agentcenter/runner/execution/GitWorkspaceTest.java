package dev.agentcenter.runner.execution;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.agentcenter.model.RunDiff.FileChange;
import dev.agentcenter.model.RunDiff.Stats;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GitWorkspaceTest {

    private static final String TOKEN = "dummy-token-9f8e7d6c5b4a";
    private static final Duration TIMEOUT = Duration.ofMinutes(2);

    @TempDir
    Path tmp;

    private Path origin;
    private String originUrl;
    private String mainSha;
    private String featureSha;
    private Path workspace;
    private final ShellCommandTest.Lines lines = new ShellCommandTest.Lines();

    /** A bare origin with {@code main} (README.md, old.txt, src/app.txt, .gitignore) and {@code feature}. */
    @BeforeEach
    void origin() throws Exception {
        origin = tmp.resolve("origin.git");
        git(tmp, "init", "--quiet", "--bare", "-b", "main", origin.toString());
        Path seed = tmp.resolve("seed");
        git(tmp, "init", "--quiet", "-b", "main", seed.toString());
        write(seed.resolve("README.md"), "# Demo\nfirst\n");
        write(seed.resolve("old.txt"), "to be deleted\n");
        write(seed.resolve("src/app.txt"), "one\ntwo\nthree\nfour\nfive\n");
        write(seed.resolve(".gitignore"), "*.log\n");
        git(seed, "add", "-A");
        commit(seed, "initial");
        git(seed, "remote", "add", "origin", origin.toString());
        git(seed, "push", "--quiet", "origin", "main");
        mainSha = git(seed, "rev-parse", "HEAD");
        git(seed, "checkout", "--quiet", "-b", "feature");
        write(seed.resolve("feature.txt"), "feature work\n");
        git(seed, "add", "-A");
        commit(seed, "feature");
        git(seed, "push", "--quiet", "origin", "feature");
        featureSha = git(seed, "rev-parse", "HEAD");
        originUrl = origin.toUri().toString(); // file:///…
        workspace = Files.createDirectories(tmp.resolve("workspaces/task"));
    }

    @Test
    void clonesAndChecksOutAnExistingBranch() throws Exception {
        GitWorkspace git = new GitWorkspace(workspace, TIMEOUT, originUrl);
        assertThat(git.isRepository()).isFalse();

        git.cloneInto(TOKEN, lines);
        git.checkout("feature", "main", TOKEN, lines);

        assertThat(git.isRepository()).isTrue();
        assertThat(git.head()).isEqualTo(featureSha);
        assertThat(git(workspace, "rev-parse", "--abbrev-ref", "HEAD")).isEqualTo("feature");
        assertThat(workspace.resolve("feature.txt")).hasContent("feature work");
        assertThat(git(workspace, "remote", "get-url", "origin")).isEqualTo(originUrl);
    }

    @Test
    void createsANewBranchFromTheBaseWithoutTrackingIt() throws Exception {
        GitWorkspace git = new GitWorkspace(workspace, TIMEOUT, originUrl);
        git.cloneInto(null, lines);

        git.checkout("agent/new-work", "main", null, lines);

        assertThat(git.head()).isEqualTo(mainSha);
        assertThat(git(workspace, "rev-parse", "--abbrev-ref", "HEAD")).isEqualTo("agent/new-work");
        assertThat(gitExitCode(workspace, "config", "branch.agent/new-work.merge"))
                .isNotZero();
    }

    @Test
    void withoutABranchChecksOutTheBaseOrOriginsDefault() throws Exception {
        GitWorkspace git = new GitWorkspace(workspace, TIMEOUT, originUrl);
        git.cloneInto(null, lines);

        git.checkout(null, "feature", null, lines);
        assertThat(git(workspace, "rev-parse", "--abbrev-ref", "HEAD")).isEqualTo("feature");

        git.checkout(null, null, null, lines);
        assertThat(git(workspace, "rev-parse", "--abbrev-ref", "HEAD")).isEqualTo("main");
        assertThat(git.head()).isEqualTo(mainSha);
    }

    @Test
    void anUnknownBaseBranchFailsWithAHint() {
        GitWorkspace git = new GitWorkspace(workspace, TIMEOUT, originUrl);
        git.cloneInto(null, lines);

        assertThatThrownBy(() -> git.checkout("agent/x", "does-not-exist", null, lines))
                .isInstanceOfSatisfying(GitException.class, e -> {
                    assertThat(e.getMessage()).contains("checkout").contains("does-not-exist");
                    assertThat(e.hint()).isEqualTo(GitException.BRANCH_HINT);
                    assertThat(e.outputTail()).anyMatch(line -> line.contains("main") && line.contains("feature"));
                });
    }

    @Test
    void anInvalidBranchNameIsRefused() {
        GitWorkspace git = new GitWorkspace(workspace, TIMEOUT, originUrl);
        git.cloneInto(null, lines);

        assertThatThrownBy(() -> git.checkout("--force", "main", null, lines))
                .isInstanceOfSatisfying(
                        GitException.class, e -> assertThat(e.hint()).isEqualTo(GitException.BRANCH_NAME_HINT));
        assertThatThrownBy(() -> git.checkout("bad..name", "main", null, lines)).isInstanceOf(GitException.class);
    }

    @Test
    void cloningAMissingRepositoryFailsWithTheCredentialsHint() {
        GitWorkspace git = new GitWorkspace(
                workspace, TIMEOUT, tmp.resolve("missing.git").toUri().toString());

        assertThatThrownBy(() -> git.cloneInto(TOKEN, lines)).isInstanceOfSatisfying(GitException.class, e -> {
            assertThat(e.getMessage()).contains("clone");
            assertThat(e.hint()).isEqualTo(GitException.CREDENTIALS_HINT);
            assertThat(e.outputTail()).isNotEmpty().hasSizeLessThanOrEqualTo(8);
        });
    }

    @Test
    void aUrlWithCredentialsIsRefused() {
        assertThatThrownBy(() -> new GitWorkspace(
                        workspace, TIMEOUT, "https://x-access-token:" + TOKEN + "@example.com/o/r.git"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageNotContaining(TOKEN);
    }

    @Test
    void theTokenIsWrittenNowhere() throws Exception {
        Set<Path> tempBefore = askpassDirectories();
        GitWorkspace git = new GitWorkspace(workspace, TIMEOUT, originUrl);

        git.cloneInto(TOKEN, lines);
        git.checkout("feature", "main", TOKEN, lines);
        git.checkout("agent/new", "main", TOKEN, lines);

        assertThat(filesContaining(workspace, TOKEN)).isEmpty();
        assertThat(lines.all()).noneMatch(line -> line.contains(TOKEN));
        assertThat(askpassDirectories()).isEqualTo(tempBefore);
    }

    /**
     * A real credential exchange: a local HTTP server that demands Basic auth shows what git sent, proving the token
     * travels through the askpass script (as the password of {@code x-access-token}) and not through the URL.
     */
    @Test
    void theTokenReachesAnHttpRemoteThroughAskpassAndNowhereElse() throws Exception {
        List<String> authorizations = new CopyOnWriteArrayList<>();
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            String authorization = exchange.getRequestHeaders().getFirst("Authorization");
            if (authorization != null) {
                authorizations.add(authorization);
            }
            exchange.getResponseHeaders().add("WWW-Authenticate", "Basic realm=\"test\"");
            exchange.sendResponseHeaders(401, -1);
            exchange.close();
        });
        server.start();
        try {
            String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/owner/repo.git";
            GitWorkspace git = new GitWorkspace(workspace, TIMEOUT, url);

            assertThatThrownBy(() -> git.cloneInto(TOKEN, lines)).isInstanceOfSatisfying(GitException.class, e -> {
                assertThat(e.hint()).isEqualTo(GitException.CREDENTIALS_HINT);
                assertThat(String.join("\n", e.outputTail()) + e.getMessage()).doesNotContain(TOKEN);
            });
            String expected = "Basic "
                    + Base64.getEncoder().encodeToString(("x-access-token:" + TOKEN).getBytes(StandardCharsets.UTF_8));
            assertThat(authorizations).contains(expected);
            assertThat(lines.all()).noneMatch(line -> line.contains(TOKEN));
            assertThat(filesContaining(workspace, TOKEN)).isEmpty();
        } finally {
            server.stop(0);
        }
    }

    @Test
    void withoutATokenGitFailsInsteadOfPrompting() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            exchange.getResponseHeaders().add("WWW-Authenticate", "Basic realm=\"test\"");
            exchange.sendResponseHeaders(401, -1);
            exchange.close();
        });
        server.start();
        try {
            String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/owner/repo.git";

            assertThatThrownBy(() -> new GitWorkspace(workspace, TIMEOUT, url).cloneInto(null, lines))
                    .isInstanceOfSatisfying(
                            GitException.class, e -> assertThat(e.hint()).isEqualTo(GitException.CREDENTIALS_HINT));
        } finally {
            server.stop(0);
        }
    }

    @Test
    void aBaselineIsCommittedOnceForAWorkspaceWithoutRepository() throws Exception {
        write(workspace.resolve("notes.txt"), "hello\n");
        GitWorkspace git = new GitWorkspace(workspace, TIMEOUT);

        String baseline = git.initBaseline();

        assertThat(git.isRepository()).isTrue();
        assertThat(baseline).isEqualTo(git.head()).hasSize(40);
        assertThat(git(workspace, "log", "--format=%s|%an|%ae"))
                .isEqualTo("Agent Center baseline|Agent Center|agent-center@localhost");
        assertThat(git(workspace, "ls-files")).isEqualTo("notes.txt");
        assertThat(git(workspace, "rev-parse", "--abbrev-ref", "HEAD")).isEqualTo("main");

        write(workspace.resolve("later.txt"), "later\n");
        assertThat(git.initBaseline()).isEqualTo(baseline);
        assertThat(git(workspace, "rev-list", "--count", "HEAD")).isEqualTo("1");
    }

    @Test
    void anEmptyWorkspaceGetsAnEmptyBaseline() {
        GitWorkspace git = new GitWorkspace(workspace, TIMEOUT);

        String baseline = git.initBaseline();

        assertThat(git.diffSince(baseline, 1000).files()).isEmpty();
    }

    @Test
    void aRepositoryAboveTheWorkspaceIsNotTheWorkspacesRepository() throws Exception {
        Path parentRepository = tmp.resolve("parent");
        git(tmp, "init", "--quiet", "-b", "main", parentRepository.toString());
        Path nested = Files.createDirectories(parentRepository.resolve("workspaces/task"));
        GitWorkspace git = new GitWorkspace(nested, TIMEOUT);

        assertThat(git.isRepository()).isFalse();
        git.initBaseline();
        assertThat(git(nested, "rev-parse", "--show-toplevel"))
                .isEqualTo(nested.toRealPath().toString());
    }

    @Test
    void diffShowsNewModifiedDeletedAndBinaryFilesButNotIgnoredOnes() throws Exception {
        GitWorkspace git = new GitWorkspace(workspace, TIMEOUT, originUrl);
        git.cloneInto(null, lines);
        git.checkout("agent/diff", "main", null, lines);
        String base = git.head();
        write(workspace.resolve("README.md"), "# Demo\nchanged\n");
        Files.delete(workspace.resolve("old.txt"));
        write(workspace.resolve("docs/new.txt"), "new line 1\nnew line 2\n");
        Files.write(workspace.resolve("image.bin"), new byte[] {0, 1, 2, 3, 0, (byte) 0xff});
        write(workspace.resolve("build.log"), "ignored\n");
        String statusBefore = git(workspace, "status", "--porcelain");

        GitWorkspace.DiffResult diff = git.diffSince(base, 1_000_000);

        assertThat(diff.files())
                .containsExactly(
                        new FileChange("README.md", "modified", 1, 1),
                        new FileChange("docs/new.txt", "added", 2, 0),
                        new FileChange("image.bin", "added", 0, 0),
                        new FileChange("old.txt", "deleted", 0, 1));
        assertThat(diff.stats()).isEqualTo(new Stats(4, 3, 2));
        assertThat(diff.truncated()).isFalse();
        assertThat(diff.patch())
                .contains("diff --git a/docs/new.txt b/docs/new.txt")
                .contains("+new line 1")
                .contains("-first")
                .contains("+changed")
                .contains("deleted file mode")
                .contains("Binary files /dev/null and b/image.bin differ")
                .doesNotContain("build.log");
        // The workspace's own index is untouched: nothing was staged.
        assertThat(git(workspace, "status", "--porcelain")).isEqualTo(statusBefore);
        assertThat(git(workspace, "diff", "--cached", "--name-only")).isEmpty();
    }

    @Test
    void aMovedFileIsARename() throws Exception {
        GitWorkspace git = new GitWorkspace(workspace, TIMEOUT, originUrl);
        git.cloneInto(null, lines);
        git.checkout(null, "main", null, lines);
        String base = git.head();
        Files.createDirectories(workspace.resolve("lib"));
        Files.move(workspace.resolve("src/app.txt"), workspace.resolve("lib/app.txt"));

        GitWorkspace.DiffResult diff = git.diffSince(base, 1_000_000);

        assertThat(diff.files()).containsExactly(new FileChange("lib/app.txt", "renamed", 0, 0));
        assertThat(diff.patch()).contains("rename from src/app.txt").contains("rename to lib/app.txt");
    }

    @Test
    void aLongPatchIsCutAtALineEndWhileFilesAndStatsStayComplete() throws Exception {
        GitWorkspace git = new GitWorkspace(workspace, TIMEOUT);
        String base = git.initBaseline();
        StringBuilder big = new StringBuilder();
        for (int i = 0; i < 2000; i++) {
            big.append("line ").append(i).append(" é\n");
        }
        write(workspace.resolve("big.txt"), big.toString());
        write(workspace.resolve("small.txt"), "x\n");

        GitWorkspace.DiffResult diff = git.diffSince(base, 500);

        assertThat(diff.truncated()).isTrue();
        assertThat(diff.patch().getBytes(StandardCharsets.UTF_8)).hasSizeLessThanOrEqualTo(500);
        assertThat(diff.patch()).startsWith("diff --git a/big.txt b/big.txt").endsWith("\n");
        assertThat(diff.files()).extracting(FileChange::path).containsExactly("big.txt", "small.txt");
        assertThat(diff.stats()).isEqualTo(new Stats(2, 2001, 0));
    }

    @Test
    void aFollowUpDiffAgainstTheSameBaseIsCumulative() throws Exception {
        write(workspace.resolve("a.txt"), "a\n");
        GitWorkspace git = new GitWorkspace(workspace, TIMEOUT);
        String base = git.initBaseline();
        write(workspace.resolve("b.txt"), "b\n");
        assertThat(git.diffSince(base, 10_000).files()).containsExactly(new FileChange("b.txt", "added", 1, 0));

        write(workspace.resolve("a.txt"), "a\nmore\n");
        write(workspace.resolve("b.txt"), "b\nmore\n");
        write(workspace.resolve("c.txt"), "c\n");
        GitWorkspace.DiffResult second = git.diffSince(base, 10_000);

        assertThat(second.files())
                .containsExactly(
                        new FileChange("a.txt", "modified", 1, 0),
                        new FileChange("b.txt", "added", 2, 0),
                        new FileChange("c.txt", "added", 1, 0));
        assertThat(second.stats()).isEqualTo(new Stats(3, 4, 0));
    }

    @Test
    void diffIncludesCommitsMadeSinceTheBase() throws Exception {
        GitWorkspace git = new GitWorkspace(workspace, TIMEOUT);
        String base = git.initBaseline();
        write(workspace.resolve("committed.txt"), "c\n");
        git(workspace, "add", "committed.txt");
        commit(workspace, "agent commit");
        write(workspace.resolve("uncommitted.txt"), "u\n");

        assertThat(git.diffSince(base, 10_000).files())
                .extracting(FileChange::path)
                .containsExactly("committed.txt", "uncommitted.txt");
    }

    @Test
    void anUnknownBaseCommitFails() {
        GitWorkspace git = new GitWorkspace(workspace, TIMEOUT);
        git.initBaseline();

        assertThatThrownBy(() -> git.diffSince("0123456789012345678901234567890123456789", 100))
                .isInstanceOf(GitException.class)
                .hasMessageContaining("diff");
        assertThatThrownBy(() -> git.diffSince("--output=/tmp/x", 100)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void commitAllCommitsEverythingAsTheIdentityWithoutHooksOrConfig() throws Exception {
        GitWorkspace git = new GitWorkspace(workspace, TIMEOUT, originUrl);
        git.cloneInto(null, lines);
        git.checkout("agent/x", "main", null, lines);
        Path hooks = workspace.resolve(".git/hooks");
        write(hooks.resolve("pre-commit"), "#!/bin/sh\nexit 1\n");
        write(hooks.resolve("post-commit"), "#!/bin/sh\ntouch \"$(git rev-parse --git-dir)/post-commit-ran\"\n");
        hooks.resolve("pre-commit").toFile().setExecutable(true);
        hooks.resolve("post-commit").toFile().setExecutable(true);
        String configBefore = Files.readString(workspace.resolve(".git/config"));
        write(workspace.resolve("README.md"), "# Demo\nchanged\n");
        write(workspace.resolve("docs/new.txt"), "new\n");
        Files.delete(workspace.resolve("old.txt"));
        assertThat(git.hasChanges()).isTrue();

        GitWorkspace.Commit commit =
                git.commitAll("Subject line\n\nBody text\n", new GitWorkspace.Identity("Bot", "bot@example.test"));

        assertThat(commit.sha()).isEqualTo(git.head());
        assertThat(commit.files()).containsExactlyInAnyOrder("README.md", "docs/new.txt", "old.txt");
        assertThat(git(workspace, "log", "-1", "--format=%an <%ae>|%cn <%ce>|%s|%b"))
                .isEqualTo("Bot <bot@example.test>|Bot <bot@example.test>|Subject line|Body text");
        assertThat(workspace.resolve(".git/post-commit-ran"))
                .as("hooks are off")
                .doesNotExist();
        assertThat(Files.readString(workspace.resolve(".git/config"))).isEqualTo(configBefore);
        assertThat(git.hasChanges()).isFalse();
        assertThat(git.currentBranch()).isEqualTo("agent/x");
        assertThat(git.commitsAheadOf("refs/remotes/origin/main")).isEqualTo(1);
        assertThat(git.commitsAheadOf("refs/remotes/origin/missing")).isEqualTo(-1);
    }

    @Test
    void pushSetsTheUpstreamWithoutTheTokenAndARejectedPushHasAHint() throws Exception {
        GitWorkspace git = new GitWorkspace(workspace, TIMEOUT, originUrl);
        git.cloneInto(TOKEN, lines);
        git.checkout("agent/push", "main", TOKEN, lines);
        write(workspace.resolve("one.txt"), "one\n");
        String first = git.commitAll("One", new GitWorkspace.Identity("Bot", "bot@example.test"))
                .sha();

        git.push("agent/push", TOKEN, lines);

        assertThat(git(origin, "rev-parse", "refs/heads/agent/push")).isEqualTo(first);
        assertThat(git.commitOf("refs/remotes/origin/agent/push")).isEqualTo(first);
        assertThat(git(workspace, "config", "branch.agent/push.merge")).isEqualTo("refs/heads/agent/push");
        assertThat(filesContaining(workspace, TOKEN)).isEmpty();
        assertThat(filesContaining(origin, TOKEN)).isEmpty();
        assertThat(lines.all()).noneMatch(line -> line.contains(TOKEN));

        // someone else pushes to the branch meanwhile
        Path other = tmp.resolve("other");
        git(tmp, "clone", "--quiet", "--branch", "agent/push", originUrl, other.toString());
        write(other.resolve("two.txt"), "two\n");
        git(other, "add", "-A");
        commit(other, "Two");
        git(other, "push", "--quiet", "origin", "agent/push");
        write(workspace.resolve("three.txt"), "three\n");
        git.commitAll("Three", new GitWorkspace.Identity("Bot", "bot@example.test"));

        assertThatThrownBy(() -> git.push("agent/push", TOKEN, lines)).isInstanceOfSatisfying(GitException.class, e -> {
            assertThat(e.getMessage()).contains("push");
            assertThat(e.hint()).isEqualTo(GitException.PUSH_REJECTED_HINT);
        });
    }

    private Set<Path> askpassDirectories() throws IOException {
        try (Stream<Path> entries = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return entries.filter(path -> path.getFileName().toString().startsWith("agent-center-askpass-"))
                    .collect(Collectors.toSet());
        }
    }

    private static List<Path> filesContaining(Path root, String secret) throws IOException {
        byte[] needle = secret.getBytes(StandardCharsets.UTF_8);
        List<Path> found = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                if (indexOf(Files.readAllBytes(file), needle) >= 0) {
                    found.add(file);
                }
            }
        }
        return found;
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static void write(Path file, String content) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, content);
    }

    private static void commit(Path repository, String message) throws Exception {
        git(
                repository,
                "-c",
                "user.name=Test",
                "-c",
                "user.email=test@localhost",
                "-c",
                "commit.gpgsign=false",
                "commit",
                "--quiet",
                "-m",
                message);
    }

    /** Runs git for test set-up and checks; returns trimmed stdout, fails on a non-zero exit. */
    static String git(Path dir, String... args) throws Exception {
        Process process = gitProcess(dir, args);
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor())
                .as("git %s: %s", String.join(" ", args), err)
                .isZero();
        return out.strip();
    }

    private static int gitExitCode(Path dir, String... args) throws Exception {
        Process process = gitProcess(dir, args);
        process.getInputStream().readAllBytes();
        process.getErrorStream().readAllBytes();
        return process.waitFor();
    }

    private static Process gitProcess(Path dir, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of("git"));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile());
        builder.environment().put("GIT_TERMINAL_PROMPT", "0");
        builder.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        return builder.start();
    }
}
