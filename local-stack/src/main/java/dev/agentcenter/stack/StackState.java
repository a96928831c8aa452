package dev.agentcenter.stack;

import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * What the running launcher knows about its services, in {@code <data>/launcher.state} for {@code ./agent-center
 * status}: each service's pid, how often it was restarted and why it last died. Rewritten whole (write, then an
 * atomic rename) on every change, so a reader never sees half of it.
 */
final class StackState {

    /** One service's line. {@code lastExit} is null until it died once. */
    record ServiceState(long pid, int restarts, String lastExit, Instant lastExitAt) {}

    private final Path file;
    private final Map<Service, ServiceState> services = new EnumMap<>(Service.class);

    StackState(Path dataDir) {
        this.file = dataDir.resolve("launcher.state");
    }

    synchronized void started(Service service, long pid) {
        ServiceState previous = services.get(service);
        services.put(
                service,
                previous == null
                        ? new ServiceState(pid, 0, null, null)
                        : new ServiceState(pid, previous.restarts(), previous.lastExit(), previous.lastExitAt()));
        write();
    }

    /** Records a death that the launcher answers with a restart. */
    synchronized int died(Service service, String exit, Instant at) {
        ServiceState previous = services.get(service);
        int restarts = previous == null ? 1 : previous.restarts() + 1;
        services.put(service, new ServiceState(previous == null ? 0 : previous.pid(), restarts, exit, at));
        write();
        return restarts;
    }

    synchronized Optional<ServiceState> get(Service service) {
        return Optional.ofNullable(services.get(service));
    }

    private void write() {
        Properties properties = new Properties();
        services.forEach((service, state) -> {
            String prefix = service.label() + ".";
            properties.setProperty(prefix + "pid", Long.toString(state.pid()));
            properties.setProperty(prefix + "restarts", Integer.toString(state.restarts()));
            if (state.lastExit() != null) {
                properties.setProperty(prefix + "lastExit", state.lastExit());
                properties.setProperty(prefix + "lastExitAt", state.lastExitAt().toString());
            }
        });
        try {
            StringWriter text = new StringWriter();
            properties.store(text, "written by ./agent-center up; read by ./agent-center status");
            Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
            Files.writeString(temporary, text.toString(), StandardCharsets.UTF_8);
            Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            // Only status reads this: a full disk must not take the stack down.
        }
    }

    /** The state the launcher last wrote, empty when it never wrote one. */
    static Map<Service, ServiceState> read(Path dataDir) throws IOException {
        Path file = dataDir.resolve("launcher.state");
        Map<Service, ServiceState> states = new EnumMap<>(Service.class);
        if (!Files.exists(file)) {
            return states;
        }
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(reader);
        }
        for (Service service : Service.values()) {
            String prefix = service.label() + ".";
            String pid = properties.getProperty(prefix + "pid");
            if (pid == null) {
                continue;
            }
            String at = properties.getProperty(prefix + "lastExitAt");
            states.put(
                    service,
                    new ServiceState(
                            Long.parseLong(pid),
                            Integer.parseInt(properties.getProperty(prefix + "restarts", "0")),
                            properties.getProperty(prefix + "lastExit"),
                            at == null ? null : Instant.parse(at)));
        }
        return states;
    }
}
