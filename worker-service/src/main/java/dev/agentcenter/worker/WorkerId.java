package dev.agentcenter.worker;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Names this worker process in run events and logs ({@code <host>-<pid>}), so a person reading a run's history can
 * tell which of several workers claimed it.
 */
public record WorkerId(String value) {

    public static WorkerId ofThisProcess() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            host = "worker";
        }
        return new WorkerId(host + "-" + ProcessHandle.current().pid());
    }

    @Override
    public String toString() {
        return value;
    }
}
