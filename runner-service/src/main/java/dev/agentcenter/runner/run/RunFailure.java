package dev.agentcenter.runner.run;

/** Ends a run as failed with a stable code and a message meant for the person who started it. */
class RunFailure extends RuntimeException {

    private final String code;

    RunFailure(String code, String message) {
        super(message, null, false, false);
        this.code = code;
    }

    String code() {
        return code;
    }
}
