package dev.ato.protocol;

import java.util.Arrays;
import java.util.Objects;

/**
 * Value semantics for the records that carry program output as byte arrays. A record compares an array
 * component by identity and would hand out its own array, so {@link ServerMessage.Stdout},
 * {@link ServerMessage.Stderr}, {@link Result} and {@link V0Response} copy on the way in and out, and compare,
 * hash and print the bytes through these helpers; keeping them in one place keeps the four consistent.
 */
final class OutputBytes {
    private OutputBytes() { }

    /** A private copy of a required array, failing with the component's name when it is absent. */
    static byte[] copy(byte[] bytes, String name) {
        return Objects.requireNonNull(bytes, name).clone();
    }

    /** The short form of a chunk: its type and size, never its bytes (they may be large or binary). */
    static String describe(String type, byte[] data) {
        return type + "[" + data.length + " bytes]";
    }

    /** Whether two whole runs (status plus both outputs) are equal. */
    static boolean sameRun(Done done, byte[] stdout, byte[] stderr, Done otherDone, byte[] otherStdout, byte[] otherStderr) {
        return done.equals(otherDone) && Arrays.equals(stdout, otherStdout) && Arrays.equals(stderr, otherStderr);
    }

    /** The hash matching {@link #sameRun}. */
    static int hashRun(Done done, byte[] stdout, byte[] stderr) {
        return 31 * (31 * done.hashCode() + Arrays.hashCode(stdout)) + Arrays.hashCode(stderr);
    }

    /** The short form of a whole run: the status and the sizes of the outputs. */
    static String describeRun(String type, Done done, byte[] stdout, byte[] stderr) {
        return type + "[" + done + ", stdout=" + stdout.length + " bytes, stderr=" + stderr.length + " bytes]";
    }
}
