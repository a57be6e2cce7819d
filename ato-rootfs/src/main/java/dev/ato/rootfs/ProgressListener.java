package dev.ato.rootfs;

/**
 * Receives progress of pulls, imports and builds. Called from the thread doing the work or from its
 * read-ahead helper thread (byte counts), so an implementation must be thread-safe; keep it quick.
 * Every method has an empty default, so implement only what you draw.
 */
public interface ProgressListener {
    /** A listener that ignores everything. */
    ProgressListener NONE = new ProgressListener() { };

    /**
     * A task began: downloading or extracting one layer, or a step such as resolving a manifest.
     *
     * @param id         short id of the task (e.g. the first 12 hex digits of a layer digest)
     * @param what       what it does, e.g. "download" or "extract"
     * @param totalBytes bytes it will process, or -1 when unknown
     */
    default void started(String id, String what, long totalBytes) { }

    /** The task has processed {@code doneBytes} so far (monotonic). */
    default void advanced(String id, long doneBytes) { }

    /** The task ended; {@code outcome} says how ("done", "already present", "retrying: ..."). */
    default void finished(String id, String outcome) { }

    /** A free-form line for the user (e.g. "resolved docker.io/library/alpine:3.20 to sha256:..."). */
    default void message(String line) { }
}
