package dev.agentcenter.runner.execution;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Random;

/**
 * Benchmark, not a test: redacts about 100 MB of build-like log output with 3 registered secrets, line by line (as
 * the runner does) and as a stream of 8 KiB chunks, and prints MB/s. Run after {@code test-compile}:
 *
 * <pre>java -cp runner-service/target/classes:runner-service/target/test-classes \
 *     dev.agentcenter.runner.execution.RedactionThroughput [megabytes]</pre>
 */
public final class RedactionThroughput {

    private RedactionThroughput() {}

    public static void main(String[] args) {
        int megabytes = args.length > 0 ? Integer.parseInt(args[0]) : 100;
        String[] secrets = {
            "ghp_R4nd0mT0kenValue0123456789abcdefXYZ",
            "sk-proj-Qw3rty_Uiop-Asdf1234Ghjk5678Zxcv",
            "hunter2-db-Passw0rd!"
        };
        SecretRedactor redactor = new SecretRedactor(secrets);
        List<String> lines = logLines(new Random(42), (long) megabytes * 1_000_000, secrets);
        long bytes = 0;
        for (String line : lines) {
            bytes += line.getBytes(StandardCharsets.UTF_8).length + 1;
        }
        System.out.printf(
                "%d lines, %.1f MB, %d secret forms registered%n",
                lines.size(), bytes / 1e6, redactor.literalForms().size());
        for (int round = 1; round <= 3; round++) {
            long started = System.nanoTime();
            long masked = 0;
            for (String line : lines) {
                masked += redactor.redact(line).length();
            }
            report("per line  round " + round, bytes, System.nanoTime() - started, masked);

            started = System.nanoTime();
            StreamingRedactor stream = redactor.streaming();
            StringBuilder chunk = new StringBuilder(8192 + 512);
            masked = 0;
            for (String line : lines) {
                chunk.append(line).append('\n');
                if (chunk.length() >= 8192) {
                    masked += stream.push(chunk.toString()).length();
                    chunk.setLength(0);
                }
            }
            masked += stream.push(chunk.toString()).length() + stream.flush().length();
            report("streaming round " + round, bytes, System.nanoTime() - started, masked);
        }
    }

    private static void report(String label, long bytes, long nanos, long checksum) {
        System.out.printf(
                "%s: %.0f MB/s (%.2f s, %d chars out)%n", label, bytes / 1e6 / (nanos / 1e9), nanos / 1e9, checksum);
    }

    private static List<String> logLines(Random random, long targetBytes, String[] secrets) {
        String[] artifacts = {
            "org/springframework/boot/spring-boot",
            "com/fasterxml/jackson/core/jackson-databind",
            "org/junit/jupiter/junit-jupiter-api",
            "io/micrometer/micrometer-core",
            "org/postgresql/postgresql"
        };
        List<String> lines = new ArrayList<>();
        long bytes = 0;
        while (bytes < targetBytes) {
            int n = random.nextInt(1000);
            String line;
            if (n == 0) {
                line = "export TOKEN=" + secrets[random.nextInt(secrets.length)];
            } else if (n == 1) {
                line = "Authorization: Basic "
                        + Base64.getEncoder()
                                .encodeToString(("x-access-token:" + secrets[0]).getBytes(StandardCharsets.UTF_8));
            } else if (n < 300) {
                String artifact = artifacts[random.nextInt(artifacts.length)];
                line = "[INFO] Downloading from central: https://repo.maven.apache.org/maven2/" + artifact + "/3."
                        + random.nextInt(5) + "." + random.nextInt(20) + "/"
                        + artifact.substring(artifact.lastIndexOf('/') + 1)
                        + ".pom (" + random.nextInt(90) + " kB at " + random.nextInt(900) + " kB/s)";
            } else if (n < 550) {
                line = "[INFO] Tests run: " + random.nextInt(40)
                        + ", Failures: 0, Errors: 0, Skipped: 0, Time elapsed: "
                        + random.nextInt(9) + "." + random.nextInt(999) + " s -- in dev.agentcenter.api.task.Task"
                        + random.nextInt(50) + "Test";
            } else if (n < 700) {
                line = "{\"type\":\"item.completed\",\"item\":{\"id\":\"item_" + random.nextInt(99999)
                        + "\",\"type\":\"command_execution\",\"command\":\"bash -lc 'git status --short'\","
                        + "\"aggregated_output\":\" M src/main/java/App.java\\n?? notes.txt\\n\",\"exit_code\":0}}";
            } else if (n < 800) {
                byte[] blob = new byte[48 + random.nextInt(48)];
                random.nextBytes(blob);
                line = "  integrity sha512-" + Base64.getEncoder().encodeToString(blob);
            } else if (n < 900) {
                line = "remote: Counting objects: " + random.nextInt(100) + "% (" + random.nextInt(5000)
                        + "/5000), done.";
            } else {
                line = "    at dev.agentcenter.runner.run.RunExecution.execute(RunExecution.java:" + random.nextInt(600)
                        + ") ~[runner-service.jar:?] risk-assessment task-runner sk-short";
            }
            lines.add(line);
            bytes += line.length() + 1;
        }
        return lines;
    }
}
