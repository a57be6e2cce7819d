package dev.ato.sandbox.linux;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Optional;

/**
 * The init's last words on its status pipe: the runner's wait status and the rusage (getrusage(2),
 * {@code RUSAGE_CHILDREN}) of everything it reaped. The one place that knows the layout, init.c's
 * {@code struct report}: sixteen little-endian int64 values, a magic first, five reserved last.
 *
 * @param waitStatus the runner's status as waitpid(2) gave it
 * @param userMicros {@code ru_utime} in microseconds
 * @param systemMicros {@code ru_stime} in microseconds
 * @param maxRssKib {@code ru_maxrss}: the largest resident set of one reaped process, KiB
 * @param minorFaults {@code ru_minflt}
 * @param majorFaults {@code ru_majflt}
 * @param inputBlocks {@code ru_inblock}
 * @param outputBlocks {@code ru_oublock}
 * @param voluntarySwitches {@code ru_nvcsw}
 * @param involuntarySwitches {@code ru_nivcsw}
 */
record InitReport(long waitStatus, long userMicros, long systemMicros, long maxRssKib, long minorFaults,
        long majorFaults, long inputBlocks, long outputBlocks, long voluntarySwitches, long involuntarySwitches) {
    /** {@code sizeof(struct report)}. */
    static final int BYTES = 128;
    /** {@code struct report}'s magic: "ATOREPOR" as a little-endian int64. */
    static final long MAGIC = 0x41544f5245504f52L;

    /**
     * Reads a report as the init wrote it.
     *
     * @param bytes what came from the status pipe after the 'U' byte
     * @param length how many of {@code bytes} arrived
     * @return the report, or empty where the init died before writing all of it (or wrote something else)
     */
    static Optional<InitReport> parse(byte[] bytes, int length) {
        if (length != BYTES || bytes.length < BYTES) return Optional.empty();
        ByteBuffer b = ByteBuffer.wrap(bytes, 0, BYTES).order(ByteOrder.LITTLE_ENDIAN);
        // In struct report's order; the five reserved values that end it are not read.
        long magic = b.getLong();
        if (magic != MAGIC) return Optional.empty();
        long waitStatus = b.getLong();
        long utimeUs = b.getLong();
        long stimeUs = b.getLong();
        long maxrssKib = b.getLong();
        long minflt = b.getLong();
        long majflt = b.getLong();
        long inblock = b.getLong();
        long oublock = b.getLong();
        long nvcsw = b.getLong();
        long nivcsw = b.getLong();
        return Optional.of(new InitReport(waitStatus, utimeUs, stimeUs, maxrssKib, minflt, majflt, inblock, oublock,
                nvcsw, nivcsw));
    }

    /** The signal that ended the runner, 0 where it exited (WTERMSIG, 0 unless WIFSIGNALED). */
    int termSignal() {
        return (int) waitStatus & 0x7f;
    }

    /** The runner's exit code (WEXITSTATUS); meaningful where {@link #termSignal()} is 0. */
    int exitCode() {
        return ((int) waitStatus >> 8) & 0xff;
    }

    /** Whether the signal that ended the runner dumped core (WCOREDUMP). */
    boolean coreDumped() {
        return (waitStatus & 0x80) != 0;
    }
}
