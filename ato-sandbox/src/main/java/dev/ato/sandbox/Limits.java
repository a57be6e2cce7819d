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
 */
public record Limits(Duration timeout, long memoryBytes, int pids, long outputBytes, long fileSizeBytes, long tmpfsBytes) {
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);
    public static final long DEFAULT_MEMORY = 512L << 20;
    public static final int DEFAULT_PIDS = 100;
    public static final long DEFAULT_OUTPUT = 128L << 10;
    public static final long DEFAULT_FILE_SIZE = 128L << 20;
    public static final long DEFAULT_TMPFS = 640L << 20;

    /** Refuses limits no run could work with (no time, under 4 MiB memory, under 2 processes ...). */
    public Limits {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) throw new IllegalArgumentException("timeout must be positive: " + timeout);
        if (memoryBytes < (4L << 20)) throw new IllegalArgumentException("memory limit below 4 MiB: " + memoryBytes);
        if (pids < 2) throw new IllegalArgumentException("pids limit below 2: " + pids);
        if (outputBytes < 0) throw new IllegalArgumentException("negative output limit: " + outputBytes);
        if (fileSizeBytes < 0) throw new IllegalArgumentException("negative file size limit: " + fileSizeBytes);
        if (tmpfsBytes < (1L << 20)) throw new IllegalArgumentException("tmpfs size below 1 MiB: " + tmpfsBytes);
    }

    /** ATO's defaults: 60 s, 512 MiB, 100 processes, 128 KiB per stream, 128 MiB files, 640 MiB tmpfs. */
    public static Limits defaults() {
        return new Limits(DEFAULT_TIMEOUT, DEFAULT_MEMORY, DEFAULT_PIDS, DEFAULT_OUTPUT, DEFAULT_FILE_SIZE, DEFAULT_TMPFS);
    }

    /** A copy with another wall-clock limit. */
    public Limits withTimeout(Duration t) {
        return new Limits(t, memoryBytes, pids, outputBytes, fileSizeBytes, tmpfsBytes);
    }

    /** A copy with another memory limit. */
    public Limits withMemoryBytes(long m) {
        return new Limits(timeout, m, pids, outputBytes, fileSizeBytes, tmpfsBytes);
    }

    /** A copy with another process limit. */
    public Limits withPids(int p) {
        return new Limits(timeout, memoryBytes, p, outputBytes, fileSizeBytes, tmpfsBytes);
    }

    /** A copy with another per-stream output limit. */
    public Limits withOutputBytes(long o) {
        return new Limits(timeout, memoryBytes, pids, o, fileSizeBytes, tmpfsBytes);
    }

    /** A copy with another file size limit. */
    public Limits withFileSizeBytes(long f) {
        return new Limits(timeout, memoryBytes, pids, outputBytes, f, tmpfsBytes);
    }

    /** A copy with another tmpfs size. */
    public Limits withTmpfsBytes(long t) {
        return new Limits(timeout, memoryBytes, pids, outputBytes, fileSizeBytes, t);
    }
}
