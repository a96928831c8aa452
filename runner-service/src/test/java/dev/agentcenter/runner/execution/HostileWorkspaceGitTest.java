package dev.agentcenter.runner.execution;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12, finding 5, at the level of {@link GitWorkspace}: the workspace's {@code .git} is the run's, and the
 * runner's own git calls must not do what it says. The pinned remote is a real smart-HTTP git server that wants the
 * token ({@link GitHttpServer}); the "attacker" is a server that asks for credentials and records what it gets.
 */
class HostileWorkspaceGitTest {

    private static final String TOKEN = "ghp_" + "H0st1l3Un1tT0k3nH0st1l3Un1tT0k3n0000";
    private static final Duration TIMEOUT = Duration.ofMinutes(2);
    private static final GitWorkspace.Identity BOT = new GitWorkspace.Identity("Bot", "bot@example.test");

    @TempDir
    Path tmp;

    private GitHttpServer pinned;
    private HttpServer attacker;
    private final List<String> attackerRequests = new CopyOnWriteArrayList<>();
    private String attackerUrl;
    private String pinnedUrl;
    private Path bare;
    private Path workspace;
    private Path markers;
    private final ShellCommandTest.Lines lines = new ShellCommandTest.Lines();

    @BeforeEach
    void servers() throws Exception {
        Path remotes = Files.createDirectories(tmp.resolve("remotes/acme"));
        bare = remotes.resolve("repo.git");
        GitWorkspaceTest.git(tmp, "init", "--quiet", "--bare", "-b", "main", bare.toString());
        Path seed = tmp.resolve("seed");
        GitWorkspaceTest.git(tmp, "init", "--quiet", "-b", "main", seed.toString());
        Files.writeString(seed.resolve("README.md"), "# Repo\n");
        GitWorkspaceTest.git(seed, "add", "-A");
        GitWorkspaceTest.git(seed, "-c", "user.name=T", "-c", "user.email=t@t", "commit", "--quiet", "-m", "init");
        GitWorkspaceTest.git(seed, "push", "--quiet", bare.toString(), "main");
        pinned = new GitHttpServer(tmp.resolve("remotes"), TOKEN);
        pinnedUrl = pinned.baseUrl() + "/acme/repo.git";

        attacker = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        attacker.createContext("/", exchange -> {
            attackerRequests.add(exchange.getRequestMethod() + " " + exchange.getRequestURI() + " Authorization="
                    + exchange.getRequestHeaders().getFirst("Authorization"));
            exchange.getResponseHeaders().add("WWW-Authenticate", "Basic realm=\"attacker\"");
            exchange.sendResponseHeaders(401, -1);
            exchange.close();
        });
        attacker.start();
        attackerUrl = "http://127.0.0.1:" + attacker.getAddress().getPort() + "/acme/repo.git";
        workspace = Files.createDirectories(tmp.resolve("workspaces/task"));
        markers = Files.createDirectories(tmp.resolve("markers"));
    }

    @AfterEach
    void stop() {
        pinned.close();
        attacker.stop(0);
    }

    @Test
    void aRewrittenOriginHooksAndFsmonitorAreIgnoredAndTheTokenGoesOnlyToThePinnedRemote() throws Exception {
        GitWorkspace git = new GitWorkspace(workspace, TIMEOUT, pinnedUrl);
        git.cloneInto(TOKEN, lines);
        assertThat(pinned.requests).anyMatch(request -> request.endsWith(pinned.expectedAuthorization()));

        // What a run's command can do to the workspace.
        GitWorkspaceTest.git(workspace, "remote", "set-url", "origin", attackerUrl);
        GitWorkspaceTest.git(workspace, "remote", "set-url", "--push", "origin", attackerUrl);
        installHooks();
        Path fsmonitor = marking("fsmonitor");
        GitWorkspaceTest.git(workspace, "config", "core.fsmonitor", fsmonitor.toString());
        GitWorkspaceTest.git(
                workspace, "config", "core.sshCommand", marking("ssh").toString());
        GitWorkspaceTest.git(workspace, "config", "credential.helper", "!" + marking("credential-helper"));
        GitWorkspaceTest.git(workspace, "config", "core.pager", marking("pager").toString());
        GitWorkspaceTest.git(
                workspace, "config", "diff.external", marking("external-diff").toString());
        GitWorkspaceTest.git(workspace, "config", "gpg.program", marking("gpg").toString());
        GitWorkspaceTest.git(workspace, "config", "commit.gpgSign", "true");
        GitWorkspaceTest.git(workspace, "config", "push.gpgSign", "true");
        GitWorkspaceTest.git(
                workspace, "config", "core.editor", marking("editor").toString());
        GitWorkspaceTest.git(workspace, "config", "protocol.ext.allow", "always");
        assertThat(git.unsafeConfig())
                .as("all of these are overridden on every call")
                .isEmpty();

        git.checkout("agent/work", "main", TOKEN, lines);
        Files.writeString(workspace.resolve("work.txt"), "work\n");
        assertThat(git.hasChanges()).isTrue();
        String sha = git.commitAll("Work", BOT).sha();
        git.push("agent/work", TOKEN, lines);
        assertThat(git.diffSince(git.commitOf("refs/remotes/origin/main"), 10_000)
                        .files())
                .extracting(change -> change.path())
                .containsExactly("work.txt");
        // (the test's own git, which must not run the hooks either)
        GitWorkspaceTest.git(
                workspace, "-c", "core.hooksPath=/dev/null", "symbolic-ref", "--delete", "refs/remotes/origin/HEAD");
        assertThat(git.originDefaultBranch(TOKEN, lines))
                .as("asked from the pinned remote")
                .isEqualTo("main");
        assertThat(GitWorkspaceTest.git(workspace, "symbolic-ref", "refs/remotes/origin/HEAD"))
                .isEqualTo("refs/remotes/origin/main");

        assertThat(GitWorkspaceTest.git(bare, "rev-parse", "refs/heads/agent/work"))
                .as("pushed to the pinned remote")
                .isEqualTo(sha);
        assertThat(attackerRequests)
                .as("the attacker's server never heard from the runner")
                .isEmpty();
        assertThat(ranPrograms()).as("no program of the workspace ran").isEmpty();
        assertThat(git.commitOf("refs/remotes/origin/agent/work")).isEqualTo(sha);
        assertThat(GitWorkspaceTest.git(workspace, "config", "branch.agent/work.remote"))
                .isEqualTo("origin");
        assertThat(GitWorkspaceTest.git(workspace, "config", "branch.agent/work.merge"))
                .isEqualTo("refs/heads/agent/work");
        assertThat(pinned.requests)
                .filteredOn(request -> request.contains("git-receive-pack"))
                .anyMatch(request -> request.endsWith(pinned.expectedAuthorization()));
        assertThat(lines.all()).noneMatch(line -> line.contains(TOKEN));
    }

    @Test
    void configThatCommandLineOverridesCannotReachIsRefusedThenRemovedBeforeTheNextRun() throws Exception {
        GitWorkspace git = new GitWorkspace(workspace, TIMEOUT, pinnedUrl);
        git.cloneInto(TOKEN, lines);
        git.checkout("agent/filters", "main", TOKEN, lines);
        String base = git.head();
        GitWorkspaceTest.git(
                workspace, "config", "filter.evil.clean", marking("clean").toString());
        GitWorkspaceTest.git(
                workspace, "config", "filter.evil.smudge", marking("smudge").toString());
        Files.writeString(workspace.resolve(".gitattributes"), "* filter=evil\n");
        GitWorkspaceTest.git(workspace, "config", "url." + attackerUrl + ".insteadOf", pinnedUrl);
        Path included = tmp.resolve("included.config");
        Files.writeString(included, "[core]\n\tfsmonitor = " + marking("included-fsmonitor") + "\n");
        GitWorkspaceTest.git(workspace, "config", "include.path", included.toString());
        GitWorkspaceTest.git(workspace, "config", "core.worktree", tmp.toString());
        Files.writeString(workspace.resolve("work.txt"), "work\n");

        List<String> expected = List.of(
                "filter.evil.clean",
                "filter.evil.smudge",
                "url." + attackerUrl + ".insteadof",
                "include.path",
                "core.worktree");
        assertThat(git.unsafeConfig()).containsExactlyInAnyOrderElementsOf(expected);
        assertThatThrownBy(() -> git.push("agent/filters", TOKEN, lines))
                .isInstanceOfSatisfying(UnsafeGitConfigException.class, e -> {
                    assertThat(e.keys()).containsExactlyInAnyOrderElementsOf(expected);
                    assertThat(e.getMessage()).contains("git push refused").contains("filter.evil.clean");
                    assertThat(e.hint()).contains("next run");
                });
        assertThatThrownBy(() -> git.commitAll("Work", BOT)).isInstanceOf(UnsafeGitConfigException.class);
        assertThatThrownBy(git::hasChanges).isInstanceOf(UnsafeGitConfigException.class);
        assertThatThrownBy(() -> git.diffSince(base, 1000)).isInstanceOf(UnsafeGitConfigException.class);
        assertThatThrownBy(() -> git.checkout("agent/filters", "main", TOKEN, lines))
                .isInstanceOf(UnsafeGitConfigException.class);
        assertThatThrownBy(() -> git.originDefaultBranch(TOKEN, lines)).isInstanceOf(UnsafeGitConfigException.class);

        // Before the next run the runner takes its repository back.
        assertThat(git.removeUnsafeConfig()).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(git.unsafeConfig()).isEmpty();
        git.checkout("agent/filters", "main", TOKEN, lines);
        String sha = git.commitAll("Work", BOT).sha();
        git.push("agent/filters", TOKEN, lines);
        assertThat(GitWorkspaceTest.git(bare, "rev-parse", "refs/heads/agent/filters"))
                .isEqualTo(sha);
        assertThat(ranPrograms()).isEmpty();
        assertThat(attackerRequests).isEmpty();
    }

    /** A config found safe is not asked about again while unchanged; a forged modification time does not fool it. */
    @Test
    void aConfigRewrittenBehindAForgedModificationTimeIsStillChecked() throws Exception {
        GitWorkspace git = new GitWorkspace(workspace, TIMEOUT, pinnedUrl);
        git.cloneInto(TOKEN, lines);
        Path config = workspace.resolve(".git/config");
        String harmless = "[user]\n\tname = abcdefghijklmnop\n";
        String hostile = "[include]\n\tpath = /tmp/abcdefgh\n";
        assertThat(hostile).hasSameSizeAs(harmless);
        String original = Files.readString(config);
        Files.writeString(config, original + harmless);
        assertThat(git.unsafeConfig()).isEmpty();
        java.nio.file.attribute.FileTime modified = Files.getLastModifiedTime(config);

        Files.writeString(config, original + hostile);
        Files.setLastModifiedTime(config, modified);

        assertThat(Files.size(config)).isEqualTo((long) (original + harmless).length());
        assertThat(git.unsafeConfig()).containsExactly("include.path");
    }

    @Test
    void aGitDirectoryThatIsNotTheWorkspacesOwnIsRefusedAndNotRepaired() throws Exception {
        GitWorkspace git = new GitWorkspace(workspace, TIMEOUT, pinnedUrl);
        git.cloneInto(TOKEN, lines);
        Path elsewhere = tmp.resolve("elsewhere.git");
        Files.move(workspace.resolve(".git"), elsewhere);
        Files.writeString(workspace.resolve(".git"), "gitdir: " + elsewhere + "\n");

        assertThat(git.unsafeConfig()).singleElement().asString().startsWith(".git ");
        assertThatThrownBy(git::removeUnsafeConfig).isInstanceOf(UnsafeGitConfigException.class);
        assertThatThrownBy(() -> git.push("main", TOKEN, lines)).isInstanceOf(UnsafeGitConfigException.class);
    }

    @Test
    void askpassAnswersOnlyGitsPromptsForThePinnedHost() throws Exception {
        Path script = tmp.resolve("askpass.sh");
        Files.writeString(script, GitRunner.ASKPASS_SCRIPT);
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        GitRunner.Remote remote = GitRunner.Remote.of("https://github.example:8443/acme/repo.git");
        assertThat(remote.usernamePrompt()).isEqualTo("Username for 'https://github.example:8443': ");
        assertThat(remote.passwordPrompt()).isEqualTo("Password for 'https://x-access-token@github.example:8443': ");

        assertThat(askpass(script, remote, remote.usernamePrompt())).isEqualTo("0:x-access-token\n");
        assertThat(askpass(script, remote, remote.passwordPrompt())).isEqualTo("0:" + TOKEN + "\n");
        for (String foreign : List.of(
                "Username for 'https://evil.example': ",
                "Password for 'https://x-access-token@evil.example': ",
                "Password for 'https://x-access-token@github.example:8443.evil.example': ",
                "Password for 'https://x-access-token@github.example': ",
                "Password for 'http://x-access-token@github.example:8443': ",
                "Password for 'https://x-access-token@github.example:8443': $(touch /tmp/x)",
                "Enter passphrase for key '/root/.ssh/id_ed25519': ",
                "")) {
            assertThat(askpass(script, remote, foreign)).as(foreign).isEqualTo("1:");
        }
        assertThat(GitRunner.Remote.of("file:///srv/git/acme/repo.git").usernamePrompt())
                .as("a remote without a host never gets the token")
                .isNull();
    }

    /**
     * The pinned host redirects the first request to another host (allowed by git's default {@code
     * http.followRedirects=initial}), which asks for credentials: git asks askpass for that host, which answers nothing.
     */
    @Test
    void aRedirectToAnotherHostGetsNoToken() throws Exception {
        GitHttpServer other = new GitHttpServer(tmp.resolve("remotes"), TOKEN);
        HttpServer redirecting = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        redirecting.createContext("/", exchange -> {
            String target = other.baseUrl().replace("127.0.0.1", "localhost") + exchange.getRequestURI();
            exchange.getResponseHeaders().add("Location", target);
            exchange.sendResponseHeaders(302, -1);
            exchange.close();
        });
        redirecting.start();
        try {
            String url = "http://127.0.0.1:" + redirecting.getAddress().getPort() + "/acme/repo.git";
            GitWorkspace git = new GitWorkspace(workspace, TIMEOUT, url);

            assertThatThrownBy(() -> git.cloneInto(TOKEN, lines))
                    .isInstanceOfSatisfying(
                            GitException.class,
                            e -> assertThat(String.join("\n", e.outputTail()) + e.getMessage())
                                    .doesNotContain(TOKEN));
            assertThat(other.requests).as("the redirect was followed").isNotEmpty();
            assertThat(other.requests).noneMatch(request -> request.endsWith(other.expectedAuthorization()));
            assertThat(other.requests).allMatch(request -> request.endsWith("Authorization=null"));
        } finally {
            redirecting.stop(0);
            other.close();
        }
    }

    @Test
    void theConfigAllowlistKnowsTheUsualKeysAndNothingElse() {
        for (String key : List.of(
                "core.repositoryformatversion",
                "core.bare",
                "remote.origin.url",
                "remote.origin.fetch",
                "remote.fork.pushurl",
                "branch.agent/x.remote",
                "branch.main.merge",
                "user.email",
                "color.diff.meta",
                "core.hookspath",
                "core.fsmonitor",
                "credential.helper",
                "gpg.ssh.program",
                "protocol.ext.allow",
                "submodule.recurse")) {
            assertThat(RepositoryConfig.harmless(key)).as(key).isTrue();
        }
        for (String key : List.of(
                "filter.lfs.process",
                "diff.word.textconv",
                "merge.ours.driver",
                "url.https://evil/.insteadof",
                "url.https://evil/.pushinsteadof",
                "http.proxy",
                "http.https://github.com/.extraheader",
                "credential.https://github.com.helper",
                "credential.username",
                "include.path",
                "includeif.gitdir:/.path",
                "core.worktree",
                "core.alternaterefscommand",
                "core.gitproxy",
                "core.attributesfile",
                "extensions.partialclone",
                "remote.origin.uploadpack",
                "remote.origin.receivepack",
                "remote.origin.proxy",
                "remote.origin.vcs",
                "remote.origin.promisor",
                "gpg.ssh.defaultkeycommand",
                "uploadpack.packobjectshook",
                "something.new")) {
            assertThat(RepositoryConfig.harmless(key)).as(key).isFalse();
        }
        assertThat(RepositoryConfig.unsafeKeys(
                        "core.bare\nfalse\0filter.x.clean\nrm -rf\0filter.x.required\0filter.x.clean\nagain\0"
                                .getBytes(StandardCharsets.UTF_8)))
                .containsExactly("filter.x.clean", "filter.x.required");
    }

    private static String askpass(Path script, GitRunner.Remote remote, String prompt) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(script.toString(), prompt);
        Map<String, String> env = builder.environment();
        env.clear();
        env.put("PATH", "/usr/bin:/bin");
        env.put(GitRunner.TOKEN_VARIABLE, TOKEN);
        env.put(GitRunner.USERNAME_PROMPT_VARIABLE, remote.usernamePrompt());
        env.put(GitRunner.PASSWORD_PROMPT_VARIABLE, remote.passwordPrompt());
        Process process = builder.redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return process.waitFor() + ":" + out;
    }

    /** Every hook the runner's git calls could trigger, each writing a marker (with the environment it saw). */
    private void installHooks() throws IOException {
        for (String hook : List.of(
                "pre-push",
                "pre-commit",
                "prepare-commit-msg",
                "commit-msg",
                "post-commit",
                "post-checkout",
                "post-merge",
                "reference-transaction",
                "pre-auto-gc",
                "post-index-change",
                "push-to-checkout")) {
            Path file = workspace.resolve(".git/hooks").resolve(hook);
            Files.writeString(file, "#!/bin/sh\nenv > '" + markers.resolve("hook-" + hook) + "'\nexit 0\n");
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwx------"));
        }
    }

    /** A script that leaves a marker named {@code name} when it runs, then behaves as {@code cat}. */
    private Path marking(String name) throws IOException {
        Path script = tmp.resolve("programs").resolve(name + ".sh");
        Files.createDirectories(script.getParent());
        Files.writeString(script, "#!/bin/sh\nenv > '" + markers.resolve(name) + "'\ncat\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        return script;
    }

    private List<Path> ranPrograms() throws IOException {
        try (Stream<Path> files = Files.list(markers)) {
            return new ArrayList<>(files.toList());
        }
    }
}
