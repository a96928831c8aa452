package dev.agentcenter.runner.sandbox;

/** A run that must be isolated ({@code config.sandbox.required}) on a runner that cannot isolate it. */
public final class SandboxUnavailableException extends RuntimeException {

    /** The run's error code. */
    public static final String CODE = "sandbox_unavailable";

    public SandboxUnavailableException(String message) {
        super(message);
    }
}
