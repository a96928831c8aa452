package dev.agentcenter.worker.queue;

import java.util.UUID;

/** A runner that may take runs, with its free slots as last counted. */
record RunnerTarget(UUID id, String name, String baseUrl, int freeSlots) {}
