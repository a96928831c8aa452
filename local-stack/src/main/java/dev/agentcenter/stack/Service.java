package dev.agentcenter.stack;

import java.nio.file.Path;

/** The three services the local stack starts, with the variables and defaults their application.yml use. */
enum Service {
    API("api", "api-service", "API_HOST", "API_PORT", 3000),
    WORKER("worker", "worker-service", "WORKER_HOST", "WORKER_PORT", 3001),
    RUNNER("runner", "runner-service", "RUNNER_HOST", "RUNNER_PORT", 3002);

    private final String label;
    private final String module;
    private final String hostVariable;
    private final String portVariable;
    private final int defaultPort;

    Service(String label, String module, String hostVariable, String portVariable, int defaultPort) {
        this.label = label;
        this.module = module;
        this.hostVariable = hostVariable;
        this.portVariable = portVariable;
        this.defaultPort = defaultPort;
    }

    /** Short name used as the output prefix and the log file name. */
    String label() {
        return label;
    }

    String module() {
        return module;
    }

    String hostVariable() {
        return hostVariable;
    }

    String portVariable() {
        return portVariable;
    }

    int defaultPort() {
        return defaultPort;
    }

    /** The executable jar the Maven build produces for this service. */
    Path jar(Path root) {
        return root.resolve(module).resolve("target").resolve(module + ".jar");
    }
}
