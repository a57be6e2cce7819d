package dev.ato.sandbox.cgroup;

import dev.ato.sandbox.Limits;
import dev.ato.sandbox.SandboxException;
import dev.ato.sandbox.cgroup.CgroupFs.Dir;
import dev.ato.sandbox.nativeaccess.Errno;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * cgroup v2: one hierarchy. The memory and pids controllers (and cpu where it can be had) are enabled
 * through cgroup.subtree_control on the way down: the mount's root, {@code <name>}, each client. Processes
 * only ever live in run directories, the leaves, as v2's "no internal processes" rule requires.
 * Limits: memory.max with memory.swap.max 0, pids.max, cpu.max (the run's quota) and, per client,
 * cpu.weight {@link #CLIENT_WEIGHT}. Figures: cpu.stat, memory.peak, memory.events.
 * Killing: cgroup.kill where the kernel has it (5.14), else freeze with cgroup.freeze and SIGKILL.
 */
final class V2Driver extends TreeDriver {
    /** Every client weighs as much as one ordinary sibling cgroup (the kernel's default, written explicitly). */
    static final int CLIENT_WEIGHT = 100;

    private final Path mount;
    private boolean cpuController;
    private final boolean delegated;
    private final boolean swapMax;
    private final boolean peak;
    private final boolean kill;
    private final boolean freeze;

    V2Driver(CgroupFs fs, String name, Path mount) {
        this(fs, name, mount, false);
    }

    /**
     * @param delegated whether {@code mount} is this process's own delegated cgroup (see {@link DelegatedRoot}),
     *                  handed back as it was found when the last driver of the process closes
     */
    V2Driver(CgroupFs fs, String name, Path mount, boolean delegated) {
        super(fs, name, List.of(mount));
        this.mount = mount;
        this.delegated = delegated;
        Dir root = roots[0];
        this.swapMax = fs.exists(root, "memory.swap.max");
        this.peak = fs.exists(root, "memory.peak");
        this.kill = fs.exists(root, "cgroup.kill");
        this.freeze = fs.exists(root, "cgroup.freeze");
    }

    @Override
    public void close() {
        super.close();
        if (delegated) DelegatedRoot.release(fs, mount, ProcessHandle.current().pid());
    }

    @Override
    void prepareMount(int hierarchy, Dir mountDir) {
        Set<String> available = words(fs.read(mountDir, "cgroup.controllers"));
        for (String c : List.of("memory", "pids")) {
            if (!available.contains(c)) {
                throw new SandboxException("cgroup2 at " + mountDir.path() + " does not offer the " + c
                        + " controller (cgroup.controllers: " + String.join(" ", available) + ")");
            }
        }
        cpuController = available.contains("cpu");
        enable(mountDir);
    }

    @Override
    void prepareRoot(int hierarchy, Dir root) {
        enable(root);
    }

    /**
     * Enables the controllers for the children of {@code dir}, writing only what is not yet enabled. cpu
     * is optional: the kernel refuses it while a real-time process sits outside the root cgroup, and the
     * CPU figures (cpu.stat user_usec, system_usec) exist without it.
     */
    private void enable(Dir dir) {
        Set<String> on = words(fs.read(dir, "cgroup.subtree_control"));
        StringBuilder want = new StringBuilder();
        if (!on.contains("memory")) want.append("+memory ");
        if (!on.contains("pids")) want.append("+pids");
        if (!want.isEmpty()) {
            String value = want.toString().strip();
            int e = fs.write(dir, "cgroup.subtree_control", value);
            if (e == Errno.EBUSY) {
                throw new CgroupIoException("write(" + dir.path().resolve("cgroup.subtree_control") + ", \"" + value
                        + "\"): EBUSY: the cgroup has processes of its own, and cgroup v2 enables controllers only"
                        + " for cgroups without (move them into a child cgroup, or delegate an empty subtree)", e, null);
            }
            if (e != 0) throw new CgroupIoException("write(" + dir.path().resolve("cgroup.subtree_control") + ", \"" + value + "\")", e);
        }
        if (cpuController && !on.contains("cpu") && fs.write(dir, "cgroup.subtree_control", "+cpu") != 0) {
            cpuController = false;
        }
    }

    /** The names in a space-separated list such as cgroup.controllers or cgroup.subtree_control. */
    static Set<String> words(String s) {
        String t = s.strip();
        return t.isEmpty() ? Set.of() : Set.of(t.split("\\s+"));
    }

    @Override
    public String describe() {
        StringBuilder s = new StringBuilder("cgroup v2 (memory, pids")
                .append(cpuController ? ", cpu" : "").append(") under ").append(mount.resolve(name));
        if (!cpuController) s.append("; no cpu controller (a real-time process outside the root cgroup?): CPU NOT limited");
        if (!swapMax) s.append("; no memory.swap.max (swap accounting off): swap not limited per run");
        if (!peak) s.append("; no memory.peak (kernel < 5.19): peak memory is memory.current sampled when the figures are read, an underestimate");
        if (!kill) {
            s.append(freeze ? "; no cgroup.kill (kernel < 5.14): kills by cgroup.freeze and SIGKILL"
                    : "; no cgroup.kill nor cgroup.freeze: kills by repeated SIGKILL rounds");
        }
        return s.toString();
    }

    @Override
    void configureClient(Dir[] dirs, long memoryBytes, int pidsMax) {
        Dir d = dirs[0];
        limits(d, memoryBytes == Long.MAX_VALUE ? "max" : Long.toString(memoryBytes),
                pidsMax == Integer.MAX_VALUE ? "max" : Integer.toString(pidsMax));
        if (cpuController) write(d, "cpu.weight", Integer.toString(CLIENT_WEIGHT));
        enable(d);
    }

    @Override
    void configureRun(Dir[] dirs, Limits limits) {
        limits(dirs[0], Long.toString(limits.memoryBytes()), Integer.toString(limits.pids()));
        if (cpuController) write(dirs[0], "cpu.max", cpuQuotaMicros(limits) + " " + CPU_PERIOD_US);
    }

    private void limits(Dir d, String memory, String pidsMax) {
        write(d, "memory.max", memory);
        if (swapMax) write(d, "memory.swap.max", "0");
        write(d, "pids.max", pidsMax);
    }

    @Override
    CgroupStats readStats(Dir[] dirs) {
        Dir d = dirs[0];
        String cpuStat = fs.read(d, "cpu.stat");
        long user = keyedValue(cpuStat, "user_usec", d, "cpu.stat") * 1000;
        long sys = keyedValue(cpuStat, "system_usec", d, "cpu.stat") * 1000;
        String memFile = peak ? "memory.peak" : "memory.current";
        long mem = parseLong(fs.read(d, memFile), d, memFile);
        boolean oom = keyedValue(fs.read(d, "memory.events"), "oom_kill", d, "memory.events") > 0;
        return new CgroupStats(user, sys, mem, oom);
    }

    @Override
    void killRound(Dir[] dirs, int[] members) {
        Dir d = dirs[0];
        if (d == null) return;
        if (kill) {
            // cgroup.kill SIGKILLs every process of the cgroup and its descendants, and forks racing it
            // fail, so one write does what the freeze-and-signal rounds do.
            write(d, "cgroup.kill", "1");
            return;
        }
        boolean frozen = freeze && fs.write(d, "cgroup.freeze", "1") == 0;
        try {
            signalMembers(dirs, members);
        } finally {
            if (frozen) write(d, "cgroup.freeze", "0");
        }
    }

    @Override
    String displayPath(Dir[] dirs) {
        return dirs[0] == null ? "(gone)" : dirs[0].path().toString();
    }

    @Override
    boolean offersJoinFiles() {
        return false;
    }
}
