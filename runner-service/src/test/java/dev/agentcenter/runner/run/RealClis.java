package dev.agentcenter.runner.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * The real agent CLIs the build installs with npm into {@code target/agent-clis} (versions pinned in {@code
 * src/test/agent-clis/package.json}).
 */
final class RealClis {

    /** The versions the tests and recordings are made with; {@code --version} must report them. */
    static final Map<String, String> VERSIONS = Map.of("codex", "codex-cli 0.169.0", "claude", "2.1.328 (Claude Code)");

    private RealClis() {}

    /**
     * Skips the calling test class when the CLIs are not installed (the build found no npm), unless {@code CI} is set:
     * then their absence fails it. Installed CLIs must be the pinned versions.
     */
    static void assumeInstalled(Path bin) {
        boolean installed = VERSIONS.keySet().stream().allMatch(cli -> Files.isExecutable(bin.resolve(cli)));
        String ci = System.getenv("CI");
        boolean strict = ci != null && !ci.isBlank() && !ci.equals("false") && !ci.equals("0");
        if (!installed) {
            String why = "The agent CLIs are not installed in " + bin + " (the runner-service build installs them"
                    + " with npm ci from src/test/agent-clis when npm is on PATH).";
            if (strict) {
                throw new AssertionError(why + " CI is set, so this is an error.");
            }
            Assumptions.abort(why);
        }
        VERSIONS.forEach((cli, version) ->
                assertThat(version(bin.resolve(cli))).as("%s --version", cli).contains(version));
    }

    private static String version(Path cli) {
        try {
            // node must be found for codex's launcher script: the test's own PATH has it.
            Process process = new ProcessBuilder(List.of(cli.toString(), "--version"))
                    .redirectErrorStream(true)
                    .start();
            process.getOutputStream().close();
            if (!process.waitFor(120, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return "<no answer to --version>";
            }
            return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "<" + e.getMessage() + ">";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "<interrupted>";
        }
    }
}
