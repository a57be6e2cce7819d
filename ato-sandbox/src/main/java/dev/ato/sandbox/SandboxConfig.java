package dev.ato.sandbox;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Host-wide settings of a {@link Sandbox}.
 *
 * @param stateDir          the sandbox's files (native binaries, the host image's skeleton, the mount points
 *                          runs mount over in their own namespaces); made if missing, and emptied and removed
 *                          by {@link Sandbox#close()} unless another live sandbox shares it
 * @param cgroupName        name of the sandbox's cgroup under each controller's root (v1) or the unified root (v2)
 * @param uidBase           host uid that container root maps to; the run gets {@code uidCount} ids from here
 * @param gidBase           host gid that container root's group maps to
 * @param uidCount          how many ids each run's user namespace maps (65536 maps 0..65535)
 * @param defaultLimits     the limits a {@link RunSpec} gets when it sets none
 * @param clientMemoryBytes aggregate memory limit of one client key (all its runs together)
 * @param clientPids        aggregate pids limit of one client key
 * @param uidSlots          how many runs get host id ranges of their own: run slot k maps container root to
 *                          {@code uidBase + k * uidCount} (so per-user kernel counters are per run); more
 *                          concurrent runs than this wait for a slot
 */
public record SandboxConfig(
        Path stateDir,
        String cgroupName,
        int uidBase,
        int gidBase,
        int uidCount,
        Limits defaultLimits,
        long clientMemoryBytes,
        int clientPids,
        int uidSlots) {
    /** Slots when none are given: more than the server's default of 32 runs at once. */
    public static final int DEFAULT_UID_SLOTS = 64;


    /** Validates the settings: an absolute state directory, a plain cgroup name, container root never host root. */
    public SandboxConfig {
        Objects.requireNonNull(stateDir, "stateDir");
        Objects.requireNonNull(defaultLimits, "defaultLimits");
        if (!stateDir.isAbsolute()) throw new IllegalArgumentException("stateDir must be absolute: " + stateDir);
        if (!cgroupName.matches("[A-Za-z0-9_.-]{1,64}")) throw new IllegalArgumentException("bad cgroup name: " + cgroupName);
        if (uidBase <= 0 || gidBase <= 0) throw new IllegalArgumentException("container root must not map to host root");
        if (uidCount < 1) throw new IllegalArgumentException("uidCount must be positive");
        if (uidSlots < 1) throw new IllegalArgumentException("uidSlots must be positive");
        if ((long) Math.max(uidBase, gidBase) + (long) uidSlots * uidCount > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("uid slots run past the largest host id: " + uidSlots + " x " + uidCount + " from " + uidBase);
        }
    }

    /** Settings with {@link #DEFAULT_UID_SLOTS} slots. */
    public SandboxConfig(Path stateDir, String cgroupName, int uidBase, int gidBase, int uidCount, Limits defaultLimits,
            long clientMemoryBytes, int clientPids) {
        this(stateDir, cgroupName, uidBase, gidBase, uidCount, defaultLimits, clientMemoryBytes, clientPids, DEFAULT_UID_SLOTS);
    }

    /** /run/ato, cgroup "ato", container root = host 100000, 65536 ids, ATO's limits, 8 GiB / 512 pids per client. */
    public static SandboxConfig defaults() {
        return new SandboxConfig(Path.of("/run/ato"), "ato", 100000, 100000, 65536, Limits.defaults(), 8L << 30, 512);
    }

    /** A copy with another state directory. */
    public SandboxConfig withStateDir(Path p) {
        return new SandboxConfig(p, cgroupName, uidBase, gidBase, uidCount, defaultLimits, clientMemoryBytes, clientPids, uidSlots);
    }

    /** A copy with another cgroup name. */
    public SandboxConfig withCgroupName(String n) {
        return new SandboxConfig(stateDir, n, uidBase, gidBase, uidCount, defaultLimits, clientMemoryBytes, clientPids, uidSlots);
    }

    /** A copy with other default limits. */
    public SandboxConfig withDefaultLimits(Limits l) {
        return new SandboxConfig(stateDir, cgroupName, uidBase, gidBase, uidCount, l, clientMemoryBytes, clientPids, uidSlots);
    }

    /** A copy with other aggregate limits per client key. */
    public SandboxConfig withClientLimits(long memoryBytes, int pids) {
        return new SandboxConfig(stateDir, cgroupName, uidBase, gidBase, uidCount, defaultLimits, memoryBytes, pids, uidSlots);
    }

    /** A copy with another number of uid slots. */
    public SandboxConfig withUidSlots(int n) {
        return new SandboxConfig(stateDir, cgroupName, uidBase, gidBase, uidCount, defaultLimits, clientMemoryBytes, clientPids, n);
    }
}
