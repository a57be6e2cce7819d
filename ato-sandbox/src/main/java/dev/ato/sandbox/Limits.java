package dev.ato.sandbox;

import java.time.Duration;
import java.util.Objects;

/**
 * Per-run resource limits. Defaults are ATO's, except memory (512 MiB, swap off).
 *
 * @param timeout        wall-clock limit; when it passes every process of the run is killed (SIGKILL)
 * @param memoryBytes    memory limit of the run's cgroup (swap off)
 * @param pids           most processes and threads alive at once in the run
 * @param outputBytes    output limit per stream, ATO's rule: reads (at most 16 KiB each) are delivered whole until
 *                       the total passes it, that read included; the rest is cut and flagged truncated
 * @param fileSizeBytes  RLIMIT_FSIZE: the largest file a process may write
 * @param tmpfsBytes     size of each tmpfs of the container (the overlay's upper layer, /tmp, /ATO ...)
 * @param cpuMillis      CPU quota of the whole run in thousandths of a CPU (1000 = one CPU's time per wall
 *                       second, however many processes share it; v1 cpu.cfs_quota_us, v2 cpu.max)
 */
public record Limits(Duration timeout, long memoryBytes, int pids, long outputBytes, long fileSizeBytes, long tmpfsBytes,
        int cpuMillis) {
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);
    public static final long DEFAULT_MEMORY = 512L << 20;
    public static final int DEFAULT_PIDS = 100;
    public static final long DEFAULT_OUTPUT = 128L << 10;
    public static final long DEFAULT_FILE_SIZE = 128L << 20;
    public static final long DEFAULT_TMPFS = 640L << 20;
    public static final int DEFAULT_CPU_MILLIS = 1000;
    /** The kernel's smallest quota is 1 ms per 100 ms period. */
    public static final int MIN_CPU_MILLIS = 10;

    /** Refuses limits no run could work with (no time, under 4 MiB memory, under 2 processes ...). */
    public Limits {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) throw new IllegalArgumentException("timeout must be positive: " + timeout);
        if (memoryBytes < (4L << 20)) throw new IllegalArgumentException("memory limit below 4 MiB: " + memoryBytes);
        if (pids < 2) throw new IllegalArgumentException("pids limit below 2: " + pids);
        if (outputBytes < 0) throw new IllegalArgumentException("negative output limit: " + outputBytes);
        if (fileSizeBytes < 0) throw new IllegalArgumentException("negative file size limit: " + fileSizeBytes);
        if (tmpfsBytes < (1L << 20)) throw new IllegalArgumentException("tmpfs size below 1 MiB: " + tmpfsBytes);
        if (cpuMillis < MIN_CPU_MILLIS || cpuMillis > 1_000_000) {
            throw new IllegalArgumentException("CPU quota out of " + MIN_CPU_MILLIS + "..1000000 thousandths of a CPU: " + cpuMillis);
        }
    }

    /** The limits with the default CPU quota (one CPU). */
    public Limits(Duration timeout, long memoryBytes, int pids, long outputBytes, long fileSizeBytes, long tmpfsBytes) {
        this(timeout, memoryBytes, pids, outputBytes, fileSizeBytes, tmpfsBytes, DEFAULT_CPU_MILLIS);
    }

    /** ATO's defaults: 60 s, 512 MiB, 100 processes, 128 KiB per stream, 128 MiB files, 640 MiB tmpfs; and one CPU. */
    public static Limits defaults() {
        return new Limits(DEFAULT_TIMEOUT, DEFAULT_MEMORY, DEFAULT_PIDS, DEFAULT_OUTPUT, DEFAULT_FILE_SIZE, DEFAULT_TMPFS,
                DEFAULT_CPU_MILLIS);
    }

    /** A copy with another wall-clock limit. */
    public Limits withTimeout(Duration t) {
        return new Limits(t, memoryBytes, pids, outputBytes, fileSizeBytes, tmpfsBytes, cpuMillis);
    }

    /** A copy with another memory limit. */
    public Limits withMemoryBytes(long m) {
        return new Limits(timeout, m, pids, outputBytes, fileSizeBytes, tmpfsBytes, cpuMillis);
    }

    /** A copy with another process limit. */
    public Limits withPids(int p) {
        return new Limits(timeout, memoryBytes, p, outputBytes, fileSizeBytes, tmpfsBytes, cpuMillis);
    }

    /** A copy with another per-stream output limit. */
    public Limits withOutputBytes(long o) {
        return new Limits(timeout, memoryBytes, pids, o, fileSizeBytes, tmpfsBytes, cpuMillis);
    }

    /** A copy with another file size limit. */
    public Limits withFileSizeBytes(long f) {
        return new Limits(timeout, memoryBytes, pids, outputBytes, f, tmpfsBytes, cpuMillis);
    }

    /** A copy with another tmpfs size. */
    public Limits withTmpfsBytes(long t) {
        return new Limits(timeout, memoryBytes, pids, outputBytes, fileSizeBytes, t, cpuMillis);
    }

    /** A copy with another CPU quota, in thousandths of a CPU. */
    public Limits withCpuMillis(int c) {
        return new Limits(timeout, memoryBytes, pids, outputBytes, fileSizeBytes, tmpfsBytes, c);
    }
}
