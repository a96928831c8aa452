package dev.agentcenter.model;

import com.fasterxml.jackson.annotation.JsonProperty;
import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.util.List;

/**
 * How a run is isolated ({@code config.sandbox}).
 *
 * @param required when true the run never runs unisolated: on a runner without a working sandbox it fails with
 *     {@code sandbox_unavailable} instead
 * @param network what the run may reach: {@code none}, {@code allowlist} ({@code allowedHosts} plus the agent
 *     provider's API hosts) or {@code full}; {@code null} means the runner's default
 * @param allowedHosts host names (or {@code *.domain} wildcards), only with {@code network = allowlist}
 */
public record SandboxConfig(
        Boolean required,
        Network network,

        @Size(max = 100)
        List<
                        @NotNull @Size(max = 253)
                        @Pattern(
                                regexp =
                                        "(\\*\\.)?[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}))*(:[0-9]{1,5})?",
                                message = "must be a host name, *.domain, optionally with :port")
                        String>
                allowedHosts) {

    /** What a sandboxed run's processes may connect to. */
    public enum Network {
        /** Nothing: loopback inside the sandbox only. */
        @JsonProperty("none")
        NONE,
        /** The listed hosts (and the agent provider's API hosts), through the runner's egress proxy. */
        @JsonProperty("allowlist")
        ALLOWLIST,
        /** Anything but the control plane. */
        @JsonProperty("full")
        FULL
    }

    /** Whether the run must not run without a sandbox. */
    public boolean requiresSandbox() {
        return Boolean.TRUE.equals(required);
    }

    @AssertTrue(message = "allowedHosts can only be given with network \"allowlist\"")
    boolean isAllowedHostsWithAllowlist() {
        return allowedHosts == null || allowedHosts.isEmpty() || network == Network.ALLOWLIST;
    }
}
