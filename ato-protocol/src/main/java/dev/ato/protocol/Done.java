package dev.ato.protocol;

import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * How a run ended, with ATO's fields: the {@code {"Done": {...}}} message of the v1 API, and the status part of
 * the v0 reply.
 *
 * @param timedOut the run overran its timeout and was killed
 * @param stdoutTruncated standard output exceeded the limit and the rest was dropped
 * @param stderrTruncated standard error exceeded the limit and the rest was dropped
 * @param statusType {@code exited}, {@code killed}, {@code core_dumped} or {@code unknown}
 * @param statusValue the exit code ({@code exited}), the signal ({@code killed}, {@code core_dumped}), or -1
 * @param real wall-clock time in nanoseconds
 * @param kernel CPU time in kernel mode in nanoseconds
 * @param user CPU time in user mode in nanoseconds
 * @param maxMem peak memory in KiB
 * @param waits voluntary context switches
 * @param preemptions involuntary context switches
 * @param majorPageFaults major page faults
 * @param minorPageFaults minor page faults
 * @param inputOps block input operations
 * @param outputOps block output operations
 * @param oomKilled beyond ATO: whether the run hit its memory limit, when the server knows (sent as
 *     {@code oom_killed} only when present)
 */
public record Done(boolean timedOut, boolean stdoutTruncated, boolean stderrTruncated, String statusType,
        int statusValue, long real, long kernel, long user, long maxMem, long waits, long preemptions,
        long majorPageFaults, long minorPageFaults, long inputOps, long outputOps, Optional<Boolean> oomKilled) {

    /** ATO's status types. */
    public static final Set<String> STATUS_TYPES = Set.of("exited", "killed", "core_dumped", "unknown");

    /**
     * Checks the status type against ATO's four values.
     */
    public Done {
        Objects.requireNonNull(statusType, "statusType");
        Objects.requireNonNull(oomKilled, "oomKilled");
        if (!STATUS_TYPES.contains(statusType)) {
            throw new IllegalArgumentException("status_type must be one of " + STATUS_TYPES + ": " + statusType);
        }
    }

    /**
     * A record with ATO's fields only (no {@code oom_killed}).
     *
     * @param timedOut the run overran its timeout
     * @param stdoutTruncated standard output was truncated
     * @param stderrTruncated standard error was truncated
     * @param statusType {@code exited}, {@code killed}, {@code core_dumped} or {@code unknown}
     * @param statusValue exit code, signal number, or -1
     * @param real wall-clock time in ns
     * @param kernel kernel CPU time in ns
     * @param user user CPU time in ns
     * @param maxMem peak memory in KiB
     * @param waits voluntary context switches
     * @param preemptions involuntary context switches
     * @param majorPageFaults major page faults
     * @param minorPageFaults minor page faults
     * @param inputOps block input operations
     * @param outputOps block output operations
     */
    public Done(boolean timedOut, boolean stdoutTruncated, boolean stderrTruncated, String statusType,
            int statusValue, long real, long kernel, long user, long maxMem, long waits, long preemptions,
            long majorPageFaults, long minorPageFaults, long inputOps, long outputOps) {
        this(timedOut, stdoutTruncated, stderrTruncated, statusType, statusValue, real, kernel, user, maxMem, waits,
                preemptions, majorPageFaults, minorPageFaults, inputOps, outputOps, Optional.empty());
    }

    /**
     * The same record with the {@code oom_killed} extension set.
     *
     * @param value whether the run was killed for exceeding its memory limit
     * @return the changed copy
     */
    public Done withOomKilled(boolean value) {
        return new Done(timedOut, stdoutTruncated, stderrTruncated, statusType, statusValue, real, kernel, user,
                maxMem, waits, preemptions, majorPageFaults, minorPageFaults, inputOps, outputOps,
                Optional.of(value));
    }

    /**
     * Whether the program exited by itself with status 0.
     *
     * @return true for {@code exited} with value 0
     */
    public boolean succeeded() {
        return "exited".equals(statusType) && statusValue == 0;
    }
}
