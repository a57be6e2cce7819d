package dev.ato.sandbox;

/**
 * Everything known about a finished run: what ATO's {@code Done} record carries, plus {@link #oomKilled()}.
 *
 * @param statusType        how the runner ended
 * @param statusValue       exit code, or signal number for killed / core dumped
 * @param timedOut          the wall-clock limit ended the run
 * @param stdoutTruncated   stdout passed its limit and was cut
 * @param stderrTruncated   stderr passed its limit and was cut
 * @param realNanos         wall-clock time of the run
 * @param kernelNanos       CPU time in the kernel, every process of the run
 * @param userNanos         CPU time in user space, every process of the run
 * @param maxMemKib         peak memory as ATO reports it, KiB: the largest resident set of any process the run's
 *                          init reaped ({@code getrusage} {@code ru_maxrss}, shared pages included), or
 *                          {@code cgroupPeakKib} where that is higher
 * @param waits             voluntary context switches
 * @param preemptions       involuntary context switches
 * @param majorPageFaults   major page faults
 * @param minorPageFaults   minor page faults
 * @param inputOps          block input operations
 * @param outputOps         block output operations
 * @param oomKilled         the memory limit was hit and the kernel killed a process of the run
 * @param cgroupPeakKib     peak memory charged to the run's cgroup, KiB (leaves out pages the host had cached)
 */
public record RunResult(
        StatusType statusType,
        int statusValue,
        boolean timedOut,
        boolean stdoutTruncated,
        boolean stderrTruncated,
        long realNanos,
        long kernelNanos,
        long userNanos,
        long maxMemKib,
        long waits,
        long preemptions,
        long majorPageFaults,
        long minorPageFaults,
        long inputOps,
        long outputOps,
        boolean oomKilled,
        long cgroupPeakKib) {

    /** Refuses a missing status type. */
    public RunResult {
        java.util.Objects.requireNonNull(statusType, "statusType");
    }

    /** True when the runner exited on its own with status 0. */
    public boolean succeeded() {
        return statusType == StatusType.EXITED && statusValue == 0;
    }
}
