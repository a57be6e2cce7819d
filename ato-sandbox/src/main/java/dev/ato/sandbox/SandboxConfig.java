package dev.ato.sandbox;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Host-wide settings of a {@link Sandbox}. Immutable; made with {@link #builder()} (every setting has a default,
 * {@link #defaults()}) or changed with {@link #toBuilder()}, so that a setting added later breaks no caller.
 */
public final class SandboxConfig {
    private final Path stateDir;
    private final String cgroupName;
    private final int uidBase;
    private final int gidBase;
    private final int uidCount;
    private final Limits defaultLimits;
    private final long clientMemoryBytes;
    private final int clientPids;
    private final int uidSlots;

    private SandboxConfig(Builder b) {
        this.stateDir = b.stateDir;
        this.cgroupName = b.cgroupName;
        this.uidBase = b.uidBase;
        this.gidBase = b.gidBase;
        this.uidCount = b.uidCount;
        this.defaultLimits = b.defaultLimits;
        this.clientMemoryBytes = b.clientMemoryBytes;
        this.clientPids = b.clientPids;
        this.uidSlots = b.uidSlots;
        // An absolute state directory, a plain cgroup name, container root never host root.
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

    /** A builder holding every value of this one. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.stateDir = stateDir;
        b.cgroupName = cgroupName;
        b.uidBase = uidBase;
        b.gidBase = gidBase;
        b.uidCount = uidCount;
        b.defaultLimits = defaultLimits;
        b.clientMemoryBytes = clientMemoryBytes;
        b.clientPids = clientPids;
        b.uidSlots = uidSlots;
        return b;
    }

    /** The sandbox's files (native binaries, the host image's skeleton, the mount points runs mount over in
     * their own namespaces); made if missing, and emptied and removed by {@link Sandbox#close()} unless another live
     * sandbox shares it (default {@code /run/ato}). */
    public Path stateDir() {
        return stateDir;
    }

    /** Name of the sandbox's cgroup under each controller's root (v1) or the unified root (v2); default {@code ato}. */
    public String cgroupName() {
        return cgroupName;
    }

    /** Host uid that container root maps to; the run gets {@code uidCount} ids from here (default 100000). */
    public int uidBase() {
        return uidBase;
    }

    /** Host gid that container root's group maps to (default 100000). */
    public int gidBase() {
        return gidBase;
    }

    /** How many ids each run's user namespace maps (default 65536: maps 0..65535). */
    public int uidCount() {
        return uidCount;
    }

    /** The limits a {@link RunSpec} gets when it sets none (default ATO's). */
    public Limits defaultLimits() {
        return defaultLimits;
    }

    /** Aggregate memory limit of one client key, all its runs together (default 8 GiB). */
    public long clientMemoryBytes() {
        return clientMemoryBytes;
    }

    /** Aggregate pids limit of one client key (default 512). */
    public int clientPids() {
        return clientPids;
    }

    /** How many runs get host id ranges of their own: run slot k maps container root to
     * {@code uidBase + k * uidCount} (so per-user kernel counters are per run); more concurrent runs than this wait
     * for a slot (default {@link #DEFAULT_UID_SLOTS}). */
    public int uidSlots() {
        return uidSlots;
    }

    /** Slots when none are given: more than the server's default of 32 runs at once. */
    public static final int DEFAULT_UID_SLOTS = 64;

    /** A builder with every default. */
    public static Builder builder() {
        return new Builder();
    }

    /** /run/ato, cgroup "ato", container root = host 100000, 65536 ids, ATO's limits, 8 GiB / 512 pids per client. */
    public static SandboxConfig defaults() {
        return builder().build();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof SandboxConfig o
                && Objects.equals(stateDir, o.stateDir)
                && Objects.equals(cgroupName, o.cgroupName)
                && uidBase == o.uidBase
                && gidBase == o.gidBase
                && uidCount == o.uidCount
                && Objects.equals(defaultLimits, o.defaultLimits)
                && clientMemoryBytes == o.clientMemoryBytes
                && clientPids == o.clientPids
                && uidSlots == o.uidSlots;
    }

    @Override
    public int hashCode() {
        return Objects.hash(stateDir, cgroupName, uidBase, gidBase, uidCount, defaultLimits, clientMemoryBytes, clientPids,
                uidSlots);
    }

    @Override
    public String toString() {
        return "SandboxConfig[stateDir=" + stateDir
                + ", cgroupName=" + cgroupName
                + ", uidBase=" + uidBase
                + ", gidBase=" + gidBase
                + ", uidCount=" + uidCount
                + ", defaultLimits=" + defaultLimits
                + ", clientMemoryBytes=" + clientMemoryBytes
                + ", clientPids=" + clientPids
                + ", uidSlots=" + uidSlots + "]";
    }

    /** Builds a {@link SandboxConfig}; {@link #build()} checks the settings. */
    public static final class Builder {
        private Path stateDir = Path.of("/run/ato");
        private String cgroupName = "ato";
        private int uidBase = 100000;
        private int gidBase = 100000;
        private int uidCount = 65536;
        private Limits defaultLimits = Limits.defaults();
        private long clientMemoryBytes = 8L << 30;
        private int clientPids = 512;
        private int uidSlots = DEFAULT_UID_SLOTS;

        private Builder() { }

        /** Sets the state directory (see {@link SandboxConfig#stateDir()}). */
        public Builder stateDir(Path v) {
            this.stateDir = v;
            return this;
        }

        /** Sets the cgroup name (see {@link SandboxConfig#cgroupName()}). */
        public Builder cgroupName(String v) {
            this.cgroupName = v;
            return this;
        }

        /** Sets host uid that container root maps to; the run gets {@code uidCount} ids from here (default 100000). */
        public Builder uidBase(int v) {
            this.uidBase = v;
            return this;
        }

        /** Sets host gid that container root's group maps to (default 100000). */
        public Builder gidBase(int v) {
            this.gidBase = v;
            return this;
        }

        /** Sets how many ids each run's user namespace maps (default 65536: maps 0..65535). */
        public Builder uidCount(int v) {
            this.uidCount = v;
            return this;
        }

        /** Sets the limits a {@link RunSpec} gets when it sets none (default ATO's). */
        public Builder defaultLimits(Limits v) {
            this.defaultLimits = v;
            return this;
        }

        /** Sets aggregate memory limit of one client key, all its runs together (default 8 GiB). */
        public Builder clientMemoryBytes(long v) {
            this.clientMemoryBytes = v;
            return this;
        }

        /** Sets aggregate pids limit of one client key (default 512). */
        public Builder clientPids(int v) {
            this.clientPids = v;
            return this;
        }

        /** Sets the number of uid slots (see {@link SandboxConfig#uidSlots()}). */
        public Builder uidSlots(int v) {
            this.uidSlots = v;
            return this;
        }

        /** Sets both aggregate limits of one client key. */
        public Builder clientLimits(long memoryBytes, int pids) {
            return clientMemoryBytes(memoryBytes).clientPids(pids);
        }

        /** Sets the host uid and gid container root maps to. */
        public Builder idBase(int uid, int gid) {
            return uidBase(uid).gidBase(gid);
        }

        /** The SandboxConfig. */
        public SandboxConfig build() {
            return new SandboxConfig(this);
        }
    }
}
