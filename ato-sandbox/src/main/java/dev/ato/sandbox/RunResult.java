package dev.ato.sandbox;

import java.util.Objects;

/**
 * Everything known about a finished run: what ATO's {@code Done} record carries, plus {@link #oomKilled()} and
 * {@link #cgroupPeakKib()}. Immutable; made with {@link #builder()} (fields not set are 0, false, or
 * {@link StatusType#UNKNOWN} with -1), so that a field added later breaks no caller.
 */
public final class RunResult {
    private final StatusType statusType;
    private final int statusValue;
    private final boolean timedOut;
    private final boolean stdoutTruncated;
    private final boolean stderrTruncated;
    private final long realNanos;
    private final long kernelNanos;
    private final long userNanos;
    private final long maxMemKib;
    private final long waits;
    private final long preemptions;
    private final long majorPageFaults;
    private final long minorPageFaults;
    private final long inputOps;
    private final long outputOps;
    private final boolean oomKilled;
    private final long cgroupPeakKib;

    private RunResult(Builder b) {
        this.statusType = b.statusType;
        this.statusValue = b.statusValue;
        this.timedOut = b.timedOut;
        this.stdoutTruncated = b.stdoutTruncated;
        this.stderrTruncated = b.stderrTruncated;
        this.realNanos = b.realNanos;
        this.kernelNanos = b.kernelNanos;
        this.userNanos = b.userNanos;
        this.maxMemKib = b.maxMemKib;
        this.waits = b.waits;
        this.preemptions = b.preemptions;
        this.majorPageFaults = b.majorPageFaults;
        this.minorPageFaults = b.minorPageFaults;
        this.inputOps = b.inputOps;
        this.outputOps = b.outputOps;
        this.oomKilled = b.oomKilled;
        this.cgroupPeakKib = b.cgroupPeakKib;
        Objects.requireNonNull(statusType, "statusType");
    }

    /** A builder holding every value of this one. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.statusType = statusType;
        b.statusValue = statusValue;
        b.timedOut = timedOut;
        b.stdoutTruncated = stdoutTruncated;
        b.stderrTruncated = stderrTruncated;
        b.realNanos = realNanos;
        b.kernelNanos = kernelNanos;
        b.userNanos = userNanos;
        b.maxMemKib = maxMemKib;
        b.waits = waits;
        b.preemptions = preemptions;
        b.majorPageFaults = majorPageFaults;
        b.minorPageFaults = minorPageFaults;
        b.inputOps = inputOps;
        b.outputOps = outputOps;
        b.oomKilled = oomKilled;
        b.cgroupPeakKib = cgroupPeakKib;
        return b;
    }

    /** How the runner ended. */
    public StatusType statusType() {
        return statusType;
    }

    /** Exit code, or signal number for killed / core dumped. */
    public int statusValue() {
        return statusValue;
    }

    /** The wall-clock limit ended the run. */
    public boolean timedOut() {
        return timedOut;
    }

    /** Stdout passed its limit and was cut. */
    public boolean stdoutTruncated() {
        return stdoutTruncated;
    }

    /** Stderr passed its limit and was cut. */
    public boolean stderrTruncated() {
        return stderrTruncated;
    }

    /** Wall-clock time of the run. */
    public long realNanos() {
        return realNanos;
    }

    /** CPU time in the kernel, every process of the run. */
    public long kernelNanos() {
        return kernelNanos;
    }

    /** CPU time in user space, every process of the run. */
    public long userNanos() {
        return userNanos;
    }

    /** Peak memory as ATO reports it, KiB: the largest resident set of any process the run's init reaped
     * ({@code getrusage} {@code ru_maxrss}, shared pages included), or {@code cgroupPeakKib} where that is higher. */
    public long maxMemKib() {
        return maxMemKib;
    }

    /** Voluntary context switches. */
    public long waits() {
        return waits;
    }

    /** Involuntary context switches. */
    public long preemptions() {
        return preemptions;
    }

    /** Major page faults. */
    public long majorPageFaults() {
        return majorPageFaults;
    }

    /** Minor page faults. */
    public long minorPageFaults() {
        return minorPageFaults;
    }

    /** Block input operations. */
    public long inputOps() {
        return inputOps;
    }

    /** Block output operations. */
    public long outputOps() {
        return outputOps;
    }

    /** The memory limit was hit and the kernel killed a process of the run. */
    public boolean oomKilled() {
        return oomKilled;
    }

    /** Peak memory charged to the run's cgroup, KiB (leaves out pages the host had cached). */
    public long cgroupPeakKib() {
        return cgroupPeakKib;
    }

    /** A builder: status {@link StatusType#UNKNOWN} -1, everything else 0 or false. */
    public static Builder builder() {
        return new Builder();
    }

    /** True when the runner exited on its own with status 0. */
    public boolean succeeded() {
        return statusType == StatusType.EXITED && statusValue == 0;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof RunResult o
                && Objects.equals(statusType, o.statusType)
                && statusValue == o.statusValue
                && timedOut == o.timedOut
                && stdoutTruncated == o.stdoutTruncated
                && stderrTruncated == o.stderrTruncated
                && realNanos == o.realNanos
                && kernelNanos == o.kernelNanos
                && userNanos == o.userNanos
                && maxMemKib == o.maxMemKib
                && waits == o.waits
                && preemptions == o.preemptions
                && majorPageFaults == o.majorPageFaults
                && minorPageFaults == o.minorPageFaults
                && inputOps == o.inputOps
                && outputOps == o.outputOps
                && oomKilled == o.oomKilled
                && cgroupPeakKib == o.cgroupPeakKib;
    }

    @Override
    public int hashCode() {
        return Objects.hash(statusType, statusValue, timedOut, stdoutTruncated, stderrTruncated, realNanos, kernelNanos,
                userNanos, maxMemKib, waits, preemptions, majorPageFaults, minorPageFaults, inputOps, outputOps,
                oomKilled, cgroupPeakKib);
    }

    @Override
    public String toString() {
        return "RunResult[statusType=" + statusType
                + ", statusValue=" + statusValue
                + ", timedOut=" + timedOut
                + ", stdoutTruncated=" + stdoutTruncated
                + ", stderrTruncated=" + stderrTruncated
                + ", realNanos=" + realNanos
                + ", kernelNanos=" + kernelNanos
                + ", userNanos=" + userNanos
                + ", maxMemKib=" + maxMemKib
                + ", waits=" + waits
                + ", preemptions=" + preemptions
                + ", majorPageFaults=" + majorPageFaults
                + ", minorPageFaults=" + minorPageFaults
                + ", inputOps=" + inputOps
                + ", outputOps=" + outputOps
                + ", oomKilled=" + oomKilled
                + ", cgroupPeakKib=" + cgroupPeakKib + "]";
    }

    /** Builds a {@link RunResult}. */
    public static final class Builder {
        private StatusType statusType = StatusType.UNKNOWN;
        private int statusValue = -1;
        private boolean timedOut;
        private boolean stdoutTruncated;
        private boolean stderrTruncated;
        private long realNanos;
        private long kernelNanos;
        private long userNanos;
        private long maxMemKib;
        private long waits;
        private long preemptions;
        private long majorPageFaults;
        private long minorPageFaults;
        private long inputOps;
        private long outputOps;
        private boolean oomKilled;
        private long cgroupPeakKib;

        private Builder() { }

        /** Sets how the runner ended. */
        public Builder statusType(StatusType v) {
            this.statusType = v;
            return this;
        }

        /** Sets exit code, or signal number for killed / core dumped. */
        public Builder statusValue(int v) {
            this.statusValue = v;
            return this;
        }

        /** Sets the wall-clock limit ended the run. */
        public Builder timedOut(boolean v) {
            this.timedOut = v;
            return this;
        }

        /** Sets stdout passed its limit and was cut. */
        public Builder stdoutTruncated(boolean v) {
            this.stdoutTruncated = v;
            return this;
        }

        /** Sets stderr passed its limit and was cut. */
        public Builder stderrTruncated(boolean v) {
            this.stderrTruncated = v;
            return this;
        }

        /** Sets wall-clock time of the run. */
        public Builder realNanos(long v) {
            this.realNanos = v;
            return this;
        }

        /** Sets cPU time in the kernel, every process of the run. */
        public Builder kernelNanos(long v) {
            this.kernelNanos = v;
            return this;
        }

        /** Sets cPU time in user space, every process of the run. */
        public Builder userNanos(long v) {
            this.userNanos = v;
            return this;
        }

        /** Sets the peak memory as ATO reports it, KiB (see {@link RunResult#maxMemKib()}). */
        public Builder maxMemKib(long v) {
            this.maxMemKib = v;
            return this;
        }

        /** Sets voluntary context switches. */
        public Builder waits(long v) {
            this.waits = v;
            return this;
        }

        /** Sets involuntary context switches. */
        public Builder preemptions(long v) {
            this.preemptions = v;
            return this;
        }

        /** Sets major page faults. */
        public Builder majorPageFaults(long v) {
            this.majorPageFaults = v;
            return this;
        }

        /** Sets minor page faults. */
        public Builder minorPageFaults(long v) {
            this.minorPageFaults = v;
            return this;
        }

        /** Sets block input operations. */
        public Builder inputOps(long v) {
            this.inputOps = v;
            return this;
        }

        /** Sets block output operations. */
        public Builder outputOps(long v) {
            this.outputOps = v;
            return this;
        }

        /** Sets the memory limit was hit and the kernel killed a process of the run. */
        public Builder oomKilled(boolean v) {
            this.oomKilled = v;
            return this;
        }

        /** Sets peak memory charged to the run's cgroup, KiB (leaves out pages the host had cached). */
        public Builder cgroupPeakKib(long v) {
            this.cgroupPeakKib = v;
            return this;
        }

        /** Sets how the runner ended and its exit code or signal. */
        public Builder status(StatusType type, int value) {
            return statusType(type).statusValue(value);
        }

        /** The RunResult. */
        public RunResult build() {
            return new RunResult(this);
        }
    }
}
