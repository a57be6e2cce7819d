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

    /**
     * Feeds an interactive run's standard input ({@link RunSpec.Builder#interactiveStdin}). The future completes
     * once the bytes are in the program's stdin pipe, so it stays pending while the program does not read: the
     * caller's back-pressure. Never blocks the calling thread. Fails when the run has ended or stdin was closed.
     *
     * @param data the bytes (copied)
     * @return completes when written
     * @throws IllegalStateException when the run is not interactive
     */
    default CompletableFuture<Void> writeStdin(byte[] data) {
        throw new IllegalStateException("run " + id() + " is not interactive");
    }

    /**
     * Closes an interactive run's standard input once everything written before has gone in (the program reads
     * end of file then). Idempotent; returns at once.
     *
     * @throws IllegalStateException when the run is not interactive
     */
    default void closeStdin() {
        throw new IllegalStateException("run " + id() + " is not interactive");
    }
}
