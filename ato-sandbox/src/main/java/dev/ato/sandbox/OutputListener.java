package dev.ato.sandbox;

/**
 * Receives a run's output as the program writes it. Chunks of one stream arrive in order, each at most
 * 16 KiB; calls come from one sandbox thread per run and should not block for long: while a call blocks,
 * the program's further output waits in its pipe (and the program, once the pipe is full), though the
 * timeout and {@link Run#kill()} still take effect at once. Output past the per-stream limit is not
 * delivered (the result says it was truncated). An exception from the listener is ignored.
 */
@FunctionalInterface
public interface OutputListener {
    /** One chunk of output; the array is the listener's to keep. */
    void onOutput(OutputStreamKind stream, byte[] chunk);

    /** A listener that drops everything. */
    static OutputListener discard() {
        return (stream, chunk) -> { };
    }
}
