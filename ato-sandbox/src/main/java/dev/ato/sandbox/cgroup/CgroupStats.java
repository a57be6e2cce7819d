package dev.ato.sandbox.cgroup;

/**
 * What the kernel accounted for one run's cgroup: CPU time of every process that ever lived in it, the
 * highest memory charge it reached, and whether the kernel's OOM killer picked a victim in it.
 *
 * @param userNanos       CPU time spent in user mode, in nanoseconds
 * @param kernelNanos     CPU time spent in the kernel on the run's behalf, in nanoseconds
 * @param peakMemoryBytes the highest memory charge of the whole run (not one process's RSS)
 * @param oomKilled       whether the OOM killer killed at least one process of the run
 */
public record CgroupStats(long userNanos, long kernelNanos, long peakMemoryBytes, boolean oomKilled) {
    /** Refuses negative figures: they mean a parsing bug, not a measurement. */
    public CgroupStats {
        if (userNanos < 0 || kernelNanos < 0 || peakMemoryBytes < 0) {
            throw new IllegalArgumentException("negative cgroup figure: user=" + userNanos + " kernel="
                    + kernelNanos + " peak=" + peakMemoryBytes);
        }
    }
}
