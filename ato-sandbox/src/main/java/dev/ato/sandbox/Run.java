package dev.ato.sandbox;

import java.util.concurrent.CompletableFuture;

/** A run in progress. */
public interface Run {
    /** The run's id: unique on this host, also the name of its cgroup. */
    String id();

    /** Ends the run now: every process in it is killed. Idempotent; returns at once. */
    void kill();

    /**
     * Completes when the run has ended and everything it used (processes, cgroup, mounts, state files) is gone.
     * Completes exceptionally with a {@link SandboxException} only when the sandbox itself failed.
     */
    CompletableFuture<RunResult> result();
}
