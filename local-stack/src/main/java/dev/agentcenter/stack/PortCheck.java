package dev.agentcenter.stack;

import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Before anything starts: is every service port free? A taken one is told with the fix, not as a stack trace. */
final class PortCheck {

    private PortCheck() {}

    /** Messages for every service port that something else already listens on. */
    static List<String> busyPorts(StackConfig config) {
        List<String> problems = new ArrayList<>();
        for (Service service : Service.values()) {
            StackConfig.Endpoint endpoint = config.endpoint(service);
            try (ServerSocket socket = new ServerSocket()) {
                socket.setReuseAddress(true);
                socket.bind(new InetSocketAddress(endpoint.host(), endpoint.port()));
            } catch (BindException e) {
                problems.add(String.format(
                        Locale.ROOT,
                        "Port %d on %s (%s) is already in use, so the %s cannot start. Stop what listens there"
                                + " (see: ss -ltnp 'sport = :%d') or pick another port, e.g. %s=%d ./agent-center up",
                        endpoint.port(),
                        endpoint.host(),
                        service.portVariable(),
                        service.label(),
                        endpoint.port(),
                        service.portVariable(),
                        endpoint.port() + 100));
            } catch (IOException e) {
                problems.add("Cannot listen on " + endpoint.host() + ":" + endpoint.port() + " ("
                        + service.hostVariable() + "/" + service.portVariable() + "): " + e.getMessage());
            }
        }
        return problems;
    }
}
