package dev.ato.protocol;

import java.util.Objects;
import java.util.function.Consumer;

/**
 * Receives a run's output as it streams in. Calls come one at a time, in the order the server sent the chunks,
 * on a thread of the client; a listener that throws fails the run with that exception (and the connection is
 * dropped, since the rest of the run cannot be delivered).
 */
public interface RunListener {
    /** A listener that ignores the output. */
    RunListener IGNORE = new RunListener() {
    };

    /**
     * A chunk of standard output arrived.
     *
     * @param chunk the bytes (the listener may keep the array)
     */
    default void onStdout(byte[] chunk) {
    }

    /**
     * A chunk of standard error arrived.
     *
     * @param chunk the bytes (the listener may keep the array)
     */
    default void onStderr(byte[] chunk) {
    }

    /**
     * Called with each {@code Done}, before the run's future completes: once for a run, once per case for a
     * test-case batch (each carrying its {@code case} index).
     *
     * @param done the end of a run or of a case
     */
    default void onDone(Done done) {
    }

    /**
     * A listener made of two callbacks.
     *
     * @param stdout receives standard output chunks
     * @param stderr receives standard error chunks
     * @return the listener
     */
    static RunListener of(Consumer<byte[]> stdout, Consumer<byte[]> stderr) {
        Objects.requireNonNull(stdout, "stdout");
        Objects.requireNonNull(stderr, "stderr");
        return new RunListener() {
            @Override
            public void onStdout(byte[] chunk) {
                stdout.accept(chunk);
            }

            @Override
            public void onStderr(byte[] chunk) {
                stderr.accept(chunk);
            }
        };
    }
}
