package dev.agentcenter.stack;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code ./agent-center <command>}: one command that runs the whole product on a laptop ({@link UpCommand}) and
 * one that says how it is doing ({@link StatusCommand}). Plain Java on purpose: the launcher must start in a blink
 * and hold no framework.
 */
public final class LocalStack {

    private LocalStack() {}

    public static void main(String[] args) {
        quietLibraryLogging();
        String command = args.length == 0 ? "up" : args[0];
        Path root = repositoryRoot();
        switch (command) {
            case "up" -> {
                UpCommand up = new UpCommand(System.getenv(), root, System.out);
                int code = up.run();
                if (!up.isStopping()) {
                    System.exit(code);
                }
            }
            case "status" -> System.exit(new StatusCommand(System.getenv(), root, System.out).run());
            case "help", "-h", "--help" -> usage(System.out);
            default -> {
                System.err.println("Unknown command: " + command);
                usage(System.err);
                System.exit(2);
            }
        }
    }

    static void usage(PrintStream out) {
        out.println("""
                Usage: agent-center <command>

                  up       start Postgres (embedded unless DATABASE_URL is set), the API, the worker and the runner;
                           a service that dies is restarted; Ctrl-C stops them all
                  status   show which services answer /health, and how often each was restarted
                  help     show this text

                Settings come from environment variables; .env.example lists them all.""");
    }

    /**
     * The repository root: two levels above {@code local-stack/target/local-stack.jar} when run from the build
     * output ({@code java -jar} puts exactly that jar on the class path), else the working directory.
     */
    static Path repositoryRoot() {
        Path cwd = Path.of("").toAbsolutePath();
        String classPath = System.getProperty("java.class.path", "");
        if (classPath.endsWith("local-stack.jar") && !classPath.contains(java.io.File.pathSeparator)) {
            Path moduleDir = Path.of(classPath).toAbsolutePath().getParent().getParent();
            Path candidate = moduleDir.getParent();
            if (candidate != null && Files.isDirectory(candidate.resolve("api-service"))) {
                return candidate;
            }
        }
        return cwd;
    }

    /** The launcher's own output stays readable: library chatter only when something is wrong. */
    private static void quietLibraryLogging() {
        // -D options on the launcher's command line win, e.g. -Dorg.slf4j.simpleLogger.defaultLogLevel=info
        var properties = System.getProperties();
        properties.putIfAbsent("org.slf4j.simpleLogger.logFile", "System.out");
        properties.putIfAbsent("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        properties.putIfAbsent("org.slf4j.simpleLogger.log.dev.agentcenter", "info");
        properties.putIfAbsent("org.slf4j.simpleLogger.showThreadName", "false");
        properties.putIfAbsent("org.slf4j.simpleLogger.showShortLogName", "true");
    }
}
