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
 * @param maxMem peak memory in KiB, as ATO reports it: the largest resident set of any process of the run
 *     ({@code getrusage} {@code ru_maxrss}), or the run's cgroup peak where that is higher
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
     * @param cgroupMaxMem {@code cgroup_max_mem}: the peak memory charged to the run's cgroup in KiB, when the
     *     server knows
     */
    public record Extras(Optional<Boolean> oomKilled, OptionalInt caseIndex, Optional<Quota> quota,
            Optional<Long> cgroupMaxMem) {
        /** No extra field. */
        public static final Extras NONE = new Extras(Optional.empty(), OptionalInt.empty(), Optional.empty(),
                Optional.empty());

        /**
         * Checks that every component is there (an absent field is an empty optional).
         */
        public Extras {
            Objects.requireNonNull(oomKilled, "oomKilled");
            Objects.requireNonNull(caseIndex, "caseIndex");
            Objects.requireNonNull(quota, "quota");
            Objects.requireNonNull(cgroupMaxMem, "cgroupMaxMem");
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
     * Beyond ATO: the peak memory charged to the run's cgroup in KiB ({@code cgroup_max_mem}), when the server
     * knows.
     *
     * @return the figure, or empty
     */
    public Optional<Long> cgroupMaxMem() {
        return extras.cgroupMaxMem();
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
        return withExtras(new Extras(extras.oomKilled(), OptionalInt.of(index), extras.quota(), extras.cgroupMaxMem()));
    }

    /**
     * The same record with the {@code quota} extension set.
     *
     * @param value the client's admission state
     * @return the changed copy
     */
    public Done withQuota(Quota value) {
        return withExtras(new Extras(extras.oomKilled(), extras.caseIndex(), Optional.of(value), extras.cgroupMaxMem()));
    }

    /**
     * The same record with the {@code oom_killed} extension set.
     *
     * @param value whether the run was killed for exceeding its memory limit
     * @return the changed copy
     */
    public Done withOomKilled(boolean value) {
        return withExtras(new Extras(Optional.of(value), extras.caseIndex(), extras.quota(), extras.cgroupMaxMem()));
    }

    /**
     * The same record with the {@code cgroup_max_mem} extension set.
     *
     * @param kib the peak memory charged to the run's cgroup, in KiB
     * @return the changed copy
     */
    public Done withCgroupMaxMem(long kib) {
        return withExtras(new Extras(extras.oomKilled(), extras.caseIndex(), extras.quota(), Optional.of(kib)));
    }

    /**
     * The same record without the extras the server adds on its own ({@code oom_killed}, {@code cgroup_max_mem}),
     * keeping those the request asked for ({@code case}, {@code quota}). ATO's strict clients (and its test suite)
     * compare the whole map, so a server sends the former only to a client that asked ({@code ?extensions=1}).
     *
     * @return the changed copy
     */
    public Done withoutServerExtras() {
        return withExtras(new Extras(Optional.empty(), extras.caseIndex(), extras.quota(), Optional.empty()));
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
