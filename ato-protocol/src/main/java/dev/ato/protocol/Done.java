package dev.ato.protocol;

import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
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
 * @param extras beyond ATO: the optional fields, each sent after ATO's only when present ({@link Extras})
 */
public record Done(boolean timedOut, boolean stdoutTruncated, boolean stderrTruncated, String statusType,
        int statusValue, long real, long kernel, long user, long maxMem, long waits, long preemptions,
        long majorPageFaults, long minorPageFaults, long inputOps, long outputOps, Extras extras) {

    /** ATO's status types. */
    public static final Set<String> STATUS_TYPES = Set.of("exited", "killed", "core_dumped", "unknown");

    /**
     * Checks the status type against ATO's four values.
     */
    public Done {
        Objects.requireNonNull(statusType, "statusType");
        Objects.requireNonNull(extras, "extras");
        if (!STATUS_TYPES.contains(statusType)) {
            throw new IllegalArgumentException("status_type must be one of " + STATUS_TYPES + ": " + statusType);
        }
    }

    /**
     * A record with ATO's fields only (no extras).
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
                preemptions, majorPageFaults, minorPageFaults, inputOps, outputOps, Extras.NONE);
    }

    /**
     * Beyond ATO: the optional fields of Done, one mechanism for all of them. Each is written after ATO's fifteen
     * fields, in this order, only when present; an ATO client skips them, and a server adds only those the
     * client asked for (or, for {@code oom_killed}, those this server has always sent). To add one: a component
     * here, a {@code with} method on {@link Done}, and its name and value in {@code ProtocolCodec}'s
     * {@code extraFields} and {@code readDone}.
     *
     * @param oomKilled {@code oom_killed}: whether the run hit its memory limit, when the server knows
     * @param caseIndex {@code case}: which test case of a batch this Done ends (request field {@code cases})
     * @param quota {@code quota}: the client's admission state (request field {@code want_quota})
     */
    public record Extras(Optional<Boolean> oomKilled, OptionalInt caseIndex, Optional<Quota> quota) {
        /** No extra field. */
        public static final Extras NONE = new Extras(Optional.empty(), OptionalInt.empty(), Optional.empty());

        /**
         * Checks that every component is there (an absent field is an empty optional).
         */
        public Extras {
            Objects.requireNonNull(oomKilled, "oomKilled");
            Objects.requireNonNull(caseIndex, "caseIndex");
            Objects.requireNonNull(quota, "quota");
        }
    }

    /**
     * Beyond ATO: whether the run hit its memory limit, when the server knows ({@code oom_killed}).
     *
     * @return the flag, or empty
     */
    public Optional<Boolean> oomKilled() {
        return extras.oomKilled();
    }

    /**
     * Beyond ATO: the index of the test case this Done ends ({@code case}), in a batch.
     *
     * @return the index, or empty
     */
    public OptionalInt caseIndex() {
        return extras.caseIndex();
    }

    /**
     * Beyond ATO: the client's admission state ({@code quota}), when the request asked for it.
     *
     * @return the quota, or empty
     */
    public Optional<Quota> quota() {
        return extras.quota();
    }

    /**
     * The same record with other extras.
     *
     * @param value the extras
     * @return the changed copy
     */
    public Done withExtras(Extras value) {
        return new Done(timedOut, stdoutTruncated, stderrTruncated, statusType, statusValue, real, kernel, user,
                maxMem, waits, preemptions, majorPageFaults, minorPageFaults, inputOps, outputOps, value);
    }

    /**
     * The same record with the {@code case} extension set.
     *
     * @param index the test case's index
     * @return the changed copy
     */
    public Done withCaseIndex(int index) {
        return withExtras(new Extras(extras.oomKilled(), OptionalInt.of(index), extras.quota()));
    }

    /**
     * The same record with the {@code quota} extension set.
     *
     * @param value the client's admission state
     * @return the changed copy
     */
    public Done withQuota(Quota value) {
        return withExtras(new Extras(extras.oomKilled(), extras.caseIndex(), Optional.of(value)));
    }

    /**
     * The same record with the {@code oom_killed} extension set.
     *
     * @param value whether the run was killed for exceeding its memory limit
     * @return the changed copy
     */
    public Done withOomKilled(boolean value) {
        return withExtras(new Extras(Optional.of(value), extras.caseIndex(), extras.quota()));
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
