package dev.ato.sandbox.cgroup;

import dev.ato.sandbox.Limits;
import dev.ato.sandbox.cgroup.CgroupFs.Dir;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/**
 * cgroup v1: the memory, pids, cpu, cpuacct and freezer controllers, each in the hierarchy it is mounted in
 * (several may share one, as cpu,cpuacct often do). Limits: memory.limit_in_bytes with
 * memory.memsw.limit_in_bytes equal to it (no swap) where swap accounting exists, and swappiness 0,
 * inherited by every cgroup made below {@code <name>}; pids.max; the run's CPU quota in
 * cpu.cfs_quota_us per cpu.cfs_period_us, and each client the weight {@link #CLIENT_SHARES} in cpu.shares.
 *
 * <p>Socket buffers: v1 charges them to a counter of their own, and only once memory.kmem.tcp.limit_in_bytes
 * is written (then TCP and UDP buffers count there; without it neither counts anywhere, and a run could pin
 * gigabytes). AF_UNIX buffers are kernel memory, charged to memory.usage_in_bytes like the rest. So that a
 * run's (and a client's) whole charge stays within its one limit, {@link #SOCKET_SHARE_DIVISOR 1/8} of it goes
 * to the socket counter and the rest to memory.limit_in_bytes; the peak reported is the sum of both peaks. Killing freezes the run, SIGKILLs its
 * members and thaws it, until it is empty.
 */
final class V1Driver extends TreeDriver {
    /** USER_HZ, the unit of cpuacct.stat; 100 on every Linux architecture the kernel ABI exports it for. */
    private static final long NANOS_PER_TICK = 10_000_000L;
    /** Every client weighs as much as one ordinary host process (the kernel's default, written explicitly). */
    static final int CLIENT_SHARES = 1024;
    /** The part of a memory limit that TCP and UDP buffers may take: 64 MiB of the default 512. */
    static final int SOCKET_SHARE_DIVISOR = 8;

    private final List<Path> mounts;
    private final int mem;
    private final int pids;
    private final int cpu;
    private final int sched;
    private final int frz;
    private final boolean memsw;
    private final boolean usageUserSys;
    private final boolean oomKillCount;
    private final boolean socketCounter;

    /**
     * @param controllerMounts the mount point of each of "memory", "pids", "cpuacct" and "freezer"
     *                         (equal paths where controllers share a hierarchy)
     */
    V1Driver(CgroupFs fs, String name, Map<String, Path> controllerMounts) {
        this(fs, name, distinct(controllerMounts), controllerMounts);
    }

    private V1Driver(CgroupFs fs, String name, List<Path> mounts, Map<String, Path> controllerMounts) {
        super(fs, name, mounts);
        this.mounts = mounts;
        this.mem = mounts.indexOf(controllerMounts.get("memory"));
        this.pids = mounts.indexOf(controllerMounts.get("pids"));
        this.cpu = mounts.indexOf(controllerMounts.get("cpuacct"));
        this.sched = mounts.indexOf(controllerMounts.get("cpu"));
        this.frz = mounts.indexOf(controllerMounts.get("freezer"));
        try {
            this.memsw = fs.exists(roots[mem], "memory.memsw.limit_in_bytes");
            this.usageUserSys = fs.exists(roots[cpu], "cpuacct.usage_user");
            this.socketCounter = fs.exists(roots[mem], "memory.kmem.tcp.limit_in_bytes");
            // "oom_kill N" appeared in memory.oom_control with 4.13; probing the file beats comparing versions.
            this.oomKillCount = fs.read(roots[mem], "memory.oom_control").contains("\noom_kill ");
            // New memory cgroups copy their parent's swappiness, so one write here covers every client and run.
            write(roots[mem], "memory.swappiness", "0");
            write(own[mem], "memory.swappiness", "0"); // made before the line above

        } catch (RuntimeException e) {
            closeRoots();
            throw e;
        }
    }

    private static List<Path> distinct(Map<String, Path> controllerMounts) {
        List<Path> out = new ArrayList<>();
        for (String c : List.of("freezer", "memory", "pids", "cpu", "cpuacct")) {
            Path p = controllerMounts.get(c);
            if (p == null) throw new IllegalArgumentException("no mount given for the " + c + " controller");
            if (!out.contains(p)) out.add(p);
        }
        return out;
    }

    @Override
    public String describe() {
        StringJoiner where = new StringJoiner(", ", "{", "}");
        for (Path m : mounts) where.add(m.toString());
        StringBuilder s = new StringBuilder("cgroup v1 (memory, pids, cpu, cpuacct, freezer) under ")
                .append(where).append("/").append(name);
        if (!memsw) s.append("; no swap accounting (memory.memsw.* missing): swap kept off by swappiness 0 only");
        if (!socketCounter) s.append("; no memory.kmem.tcp.* (kernel without kmem accounting): TCP and UDP buffers NOT limited");
        if (!usageUserSys) s.append("; CPU times from cpuacct.stat in 10 ms ticks (cpuacct.usage_user missing)");
        if (!oomKillCount) s.append("; OOM kills inferred from memory.failcnt (no oom_kill count in memory.oom_control before 4.13)");
        return s.toString();
    }

    @Override
    void configureClient(Dir[] dirs, long memoryBytes, int pidsMax) {
        // swappiness 0 is inherited from <name> (written at start-up) when the kernel makes the directory.
        limitMemory(dirs[mem], memoryBytes);
        write(dirs[pids], "pids.max", pidsMax == Integer.MAX_VALUE ? "max" : Integer.toString(pidsMax));
        write(dirs[sched], "cpu.shares", Integer.toString(CLIENT_SHARES));
    }

    @Override
    void configureRun(Dir[] dirs, Limits limits) {
        limitMemory(dirs[mem], limits.memoryBytes());
        write(dirs[pids], "pids.max", Integer.toString(limits.pids()));
        write(dirs[sched], "cpu.cfs_period_us", Long.toString(CPU_PERIOD_US));
        write(dirs[sched], "cpu.cfs_quota_us", Long.toString(cpuQuotaMicros(limits)));
    }

    /**
     * memory first: the kernel refuses a memsw limit below the memory limit, and both start unlimited. Then
     * the socket counter's share, which also switches socket accounting on for the cgroup.
     */
    private void limitMemory(Dir dir, long bytes) {
        long sockets = bytes == Long.MAX_VALUE || !socketCounter ? 0 : bytes / SOCKET_SHARE_DIVISOR;
        String v = bytes == Long.MAX_VALUE ? "-1" : Long.toString(bytes - sockets);
        write(dir, "memory.limit_in_bytes", v);
        if (memsw) write(dir, "memory.memsw.limit_in_bytes", v);
        if (sockets > 0) write(dir, "memory.kmem.tcp.limit_in_bytes", Long.toString(sockets));
    }

    @Override
    CgroupStats readStats(Dir[] dirs) {
        long user;
        long sys;
        if (usageUserSys) {
            user = parseLong(fs.read(dirs[cpu], "cpuacct.usage_user"), dirs[cpu], "cpuacct.usage_user");
            sys = parseLong(fs.read(dirs[cpu], "cpuacct.usage_sys"), dirs[cpu], "cpuacct.usage_sys");
        } else {
            String stat = fs.read(dirs[cpu], "cpuacct.stat");
            user = keyedValue(stat, "user", dirs[cpu], "cpuacct.stat") * NANOS_PER_TICK;
            sys = keyedValue(stat, "system", dirs[cpu], "cpuacct.stat") * NANOS_PER_TICK;
        }
        long peak = parseLong(fs.read(dirs[mem], "memory.max_usage_in_bytes"), dirs[mem], "memory.max_usage_in_bytes");
        if (socketCounter) {
            peak += parseLong(fs.read(dirs[mem], "memory.kmem.tcp.max_usage_in_bytes"), dirs[mem], "memory.kmem.tcp.max_usage_in_bytes");
        }
        boolean oom;
        if (oomKillCount) {
            oom = keyedValue(fs.read(dirs[mem], "memory.oom_control"), "oom_kill", dirs[mem], "memory.oom_control") > 0;
        } else {
            oom = parseLong(fs.read(dirs[mem], "memory.failcnt"), dirs[mem], "memory.failcnt") > 0;
        }
        return new CgroupStats(user, sys, peak, oom);
    }

    @Override
    void killRound(Dir[] dirs, int[] members) {
        Dir freezer = dirs[frz];
        // Frozen tasks cannot fork, so one round catches a whole tree; SIGKILL stays pending while they
        // are frozen and takes effect on thaw. Without the freezer directory (a partial leftover) the
        // rounds still converge, each killing what the last one missed.
        boolean frozen = freezer != null && fs.write(freezer, "freezer.state", "FROZEN") == 0;
        try {
            signalMembers(dirs, members);
        } finally {
            if (frozen) write(freezer, "freezer.state", "THAWED");
        }
    }

    @Override
    String displayPath(Dir[] dirs) {
        Dir d = dirs[mem] != null ? dirs[mem] : firstNonNull(dirs);
        return d == null ? "(gone)" : d.path().toString();
    }

    private static Dir firstNonNull(Dir[] dirs) {
        for (Dir d : dirs) {
            if (d != null) return d;
        }
        return null;
    }

    @Override
    boolean offersJoinFiles() {
        return true;
    }
}
