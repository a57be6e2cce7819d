package dev.ato.protocol;

import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * How a run ended, with ATO's fields: the {@code {"Done": {...}}} message of the v1 API, and the status part of
 * the v0 reply. Immutable; make one with {@link #builder(StatusType, int)} (every other field defaults to
 * false, 0 or absent), so that a field added later breaks no caller.
 *
 * <p>ATO's fifteen fields are always present. Beyond ATO, four optional fields follow them on the wire, each only
 * when present: {@code oom_killed}, {@code case}, {@code quota} and {@code cgroup_max_mem}. An ATO client skips
 * them, and a server adds only those the client asked for (or, for the server's own, to a client that asked for
 * extensions: {@link #withoutServerExtras()}). To add one: a field and a builder setter here, and its name and
 * value in {@code ProtocolCodec}'s {@code extraFields} and {@code readDone}.
 */
public final class Done {
    private final boolean timedOut;
    private final boolean stdoutTruncated;
    private final boolean stderrTruncated;
    private final StatusType statusType;
    private final int statusValue;
    private final long real;
    private final long kernel;
    private final long user;
    private final long maxMem;
    private final long waits;
    private final long preemptions;
    private final long majorPageFaults;
    private final long minorPageFaults;
    private final long inputOps;
    private final long outputOps;
    private final Optional<Boolean> oomKilled;
    private final OptionalInt caseIndex;
    private final Optional<Quota> quota;
    private final Optional<Long> cgroupMaxMem;

    private Done(Builder b) {
        this.timedOut = b.timedOut;
        this.stdoutTruncated = b.stdoutTruncated;
        this.stderrTruncated = b.stderrTruncated;
        this.statusType = b.statusType;
        this.statusValue = b.statusValue;
        this.real = b.real;
        this.kernel = b.kernel;
        this.user = b.user;
        this.maxMem = b.maxMem;
        this.waits = b.waits;
        this.preemptions = b.preemptions;
        this.majorPageFaults = b.majorPageFaults;
        this.minorPageFaults = b.minorPageFaults;
        this.inputOps = b.inputOps;
        this.outputOps = b.outputOps;
        this.oomKilled = b.oomKilled;
        this.caseIndex = b.caseIndex;
        this.quota = b.quota;
        this.cgroupMaxMem = b.cgroupMaxMem;
    }

    /**
     * A builder with the status; every other field false, 0 or absent.
     *
     * @param statusType how the run ended
     * @param statusValue the exit code ({@code exited}), the signal ({@code killed}, {@code core_dumped}), or -1
     * @return the builder
     */
    public static Builder builder(StatusType statusType, int statusValue) {
        return new Builder(statusType, statusValue);
    }

    /**
     * A builder holding every field of this record.
     *
     * @return the builder
     */
    public Builder toBuilder() {
        Builder b = new Builder(statusType, statusValue);
        b.timedOut = timedOut;
        b.stdoutTruncated = stdoutTruncated;
        b.stderrTruncated = stderrTruncated;
        b.real = real;
        b.kernel = kernel;
        b.user = user;
        b.maxMem = maxMem;
        b.waits = waits;
        b.preemptions = preemptions;
        b.majorPageFaults = majorPageFaults;
        b.minorPageFaults = minorPageFaults;
        b.inputOps = inputOps;
        b.outputOps = outputOps;
        b.oomKilled = oomKilled;
        b.caseIndex = caseIndex;
        b.quota = quota;
        b.cgroupMaxMem = cgroupMaxMem;
        return b;
    }

    /** The run overran its timeout and was killed. */
    public boolean timedOut() { return timedOut; }

    /** Standard output exceeded the limit and the rest was dropped. */
    public boolean stdoutTruncated() { return stdoutTruncated; }

    /** Standard error exceeded the limit and the rest was dropped. */
    public boolean stderrTruncated() { return stderrTruncated; }

    /** How the run ended ({@code status_type}). */
    public StatusType statusType() { return statusType; }

    /** The exit code ({@code exited}), the signal ({@code killed}, {@code core_dumped}), or -1. */
    public int statusValue() { return statusValue; }

    /** Wall-clock time in nanoseconds. */
    public long real() { return real; }

    /** CPU time in kernel mode in nanoseconds. */
    public long kernel() { return kernel; }

    /** CPU time in user mode in nanoseconds. */
    public long user() { return user; }

    /**
     * Peak memory in KiB, as ATO reports it: the largest resident set of any process of the run ({@code getrusage}
     * {@code ru_maxrss}), or the run's cgroup peak where that is higher.
     */
    public long maxMem() { return maxMem; }

    /** Voluntary context switches. */
    public long waits() { return waits; }

    /** Involuntary context switches. */
    public long preemptions() { return preemptions; }

    /** Major page faults. */
    public long majorPageFaults() { return majorPageFaults; }

    /** Minor page faults. */
    public long minorPageFaults() { return minorPageFaults; }

    /** Block input operations. */
    public long inputOps() { return inputOps; }

    /** Block output operations. */
    public long outputOps() { return outputOps; }

    /** Beyond ATO ({@code oom_killed}): whether the run hit its memory limit, when the server knows. */
    public Optional<Boolean> oomKilled() { return oomKilled; }

    /** Beyond ATO ({@code case}): the index of the test case this Done ends, in a batch. */
    public OptionalInt caseIndex() { return caseIndex; }

    /** Beyond ATO ({@code quota}): the client's admission state, when the request asked for it. */
    public Optional<Quota> quota() { return quota; }

    /** Beyond ATO ({@code cgroup_max_mem}): the peak memory charged to the run's cgroup in KiB. */
    public Optional<Long> cgroupMaxMem() { return cgroupMaxMem; }

    /**
     * The same record with the {@code case} extension set.
     *
     * @param index the test case's index
     * @return the changed copy
     */
    public Done withCaseIndex(int index) {
        return toBuilder().caseIndex(index).build();
    }

    /**
     * The same record with the {@code quota} extension set.
     *
     * @param value the client's admission state
     * @return the changed copy
     */
    public Done withQuota(Quota value) {
        return toBuilder().quota(value).build();
    }

    /**
     * The same record with the {@code oom_killed} extension set.
     *
     * @param value whether the run was killed for exceeding its memory limit
     * @return the changed copy
     */
    public Done withOomKilled(boolean value) {
        return toBuilder().oomKilled(value).build();
    }

    /**
     * The same record with the {@code cgroup_max_mem} extension set.
     *
     * @param kib the peak memory charged to the run's cgroup, in KiB
     * @return the changed copy
     */
    public Done withCgroupMaxMem(long kib) {
        return toBuilder().cgroupMaxMem(kib).build();
    }

    /**
     * The same record without the extras the server adds on its own ({@code oom_killed}, {@code cgroup_max_mem}),
     * keeping those the request asked for ({@code case}, {@code quota}). ATO's strict clients (and its test suite)
     * compare the whole map, so a server sends the former only to a client that asked ({@code ?extensions=1}).
     *
     * @return the changed copy
     */
    public Done withoutServerExtras() {
        Builder b = toBuilder();
        b.oomKilled = Optional.empty();
        b.cgroupMaxMem = Optional.empty();
        return b.build();
    }

    /**
     * Whether the program exited by itself with status 0.
     *
     * @return true for {@code exited} with value 0
     */
    public boolean succeeded() {
        return statusType == StatusType.EXITED && statusValue == 0;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Done d && timedOut == d.timedOut && stdoutTruncated == d.stdoutTruncated
                && stderrTruncated == d.stderrTruncated && statusType == d.statusType && statusValue == d.statusValue
                && real == d.real && kernel == d.kernel && user == d.user && maxMem == d.maxMem && waits == d.waits
                && preemptions == d.preemptions && majorPageFaults == d.majorPageFaults
                && minorPageFaults == d.minorPageFaults && inputOps == d.inputOps && outputOps == d.outputOps
                && oomKilled.equals(d.oomKilled) && caseIndex.equals(d.caseIndex) && quota.equals(d.quota)
                && cgroupMaxMem.equals(d.cgroupMaxMem);
    }

    @Override
    public int hashCode() {
        return Objects.hash(timedOut, stdoutTruncated, stderrTruncated, statusType, statusValue, real, kernel, user,
                maxMem, waits, preemptions, majorPageFaults, minorPageFaults, inputOps, outputOps, oomKilled, caseIndex,
                quota, cgroupMaxMem);
    }

    @Override
    public String toString() {
        return "Done[timedOut=" + timedOut + ", stdoutTruncated=" + stdoutTruncated + ", stderrTruncated="
                + stderrTruncated + ", statusType=" + statusType + ", statusValue=" + statusValue + ", real=" + real
                + ", kernel=" + kernel + ", user=" + user + ", maxMem=" + maxMem + ", waits=" + waits
                + ", preemptions=" + preemptions + ", majorPageFaults=" + majorPageFaults + ", minorPageFaults="
                + minorPageFaults + ", inputOps=" + inputOps + ", outputOps=" + outputOps + ", oomKilled=" + oomKilled
                + ", caseIndex=" + caseIndex + ", quota=" + quota + ", cgroupMaxMem=" + cgroupMaxMem + "]";
    }

    /** Builds a {@link Done}; fields not set are false, 0 or absent. */
    public static final class Builder {
        private boolean timedOut;
        private boolean stdoutTruncated;
        private boolean stderrTruncated;
        private StatusType statusType;
        private int statusValue;
        private long real;
        private long kernel;
        private long user;
        private long maxMem;
        private long waits;
        private long preemptions;
        private long majorPageFaults;
        private long minorPageFaults;
        private long inputOps;
        private long outputOps;
        private Optional<Boolean> oomKilled = Optional.empty();
        private OptionalInt caseIndex = OptionalInt.empty();
        private Optional<Quota> quota = Optional.empty();
        private Optional<Long> cgroupMaxMem = Optional.empty();

        private Builder(StatusType statusType, int statusValue) {
            status(statusType, statusValue);
        }

        /** Sets how the run ended: the type and the exit code, the signal, or -1. */
        public Builder status(StatusType type, int value) {
            this.statusType = Objects.requireNonNull(type, "statusType");
            this.statusValue = value;
            return this;
        }

        /** Sets the run overran its timeout. */
        public Builder timedOut(boolean v) { timedOut = v; return this; }

        /** Sets standard output was truncated. */
        public Builder stdoutTruncated(boolean v) { stdoutTruncated = v; return this; }

        /** Sets standard error was truncated. */
        public Builder stderrTruncated(boolean v) { stderrTruncated = v; return this; }

        /** Sets wall-clock time. */
        public Builder real(long ns) { real = ns; return this; }

        /** Sets kernel CPU time. */
        public Builder kernel(long ns) { kernel = ns; return this; }

        /** Sets user CPU time. */
        public Builder user(long ns) { user = ns; return this; }

        /** Sets peak memory. */
        public Builder maxMem(long kib) { maxMem = kib; return this; }

        /** Sets voluntary context switches. */
        public Builder waits(long n) { waits = n; return this; }

        /** Sets involuntary context switches. */
        public Builder preemptions(long n) { preemptions = n; return this; }

        /** Sets major page faults. */
        public Builder majorPageFaults(long n) { majorPageFaults = n; return this; }

        /** Sets minor page faults. */
        public Builder minorPageFaults(long n) { minorPageFaults = n; return this; }

        /** Sets block input operations. */
        public Builder inputOps(long n) { inputOps = n; return this; }

        /** Sets block output operations. */
        public Builder outputOps(long n) { outputOps = n; return this; }

        /** Sets {@code oom_killed}. */
        public Builder oomKilled(boolean v) { oomKilled = Optional.of(v); return this; }

        /** Sets {@code case}. */
        public Builder caseIndex(int index) { caseIndex = OptionalInt.of(index); return this; }

        /** Sets {@code quota}. */
        public Builder quota(Quota q) { quota = Optional.of(q); return this; }

        /** Sets {@code cgroup_max_mem}. */
        public Builder cgroupMaxMem(long kib) { cgroupMaxMem = Optional.of(kib); return this; }

        /** The record. */
        public Done build() {
            return new Done(this);
        }
    }
}
