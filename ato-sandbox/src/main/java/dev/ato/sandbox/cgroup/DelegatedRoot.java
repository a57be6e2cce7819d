package dev.ato.sandbox.cgroup;

import dev.ato.sandbox.SandboxException;
import dev.ato.sandbox.cgroup.CgroupFs.Dir;
import dev.ato.sandbox.nativeaccess.Errno;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Where the sandbox's tree lives on cgroup v2. A process in the hierarchy's root cgroup (no systemd: a plain VM
 * or a container's own tree) keeps {@code <mount>/<name>}. A process in any other cgroup (a systemd service,
 * {@code /system.slice/ato.service}) owns only that cgroup, and only when it was delegated to it
 * ({@code Delegate=yes}): the tree goes to {@code <own>/<name>} and nothing is written outside {@code <own>}.
 * v2 enables controllers only for a cgroup without processes of its own, so the process first moves itself
 * (all its threads: a pid written to cgroup.procs moves the whole process) into the leaf {@link #LEAF}; the
 * V2Driver then enables the controllers in {@code <own>/cgroup.subtree_control} as it does at a mount's root.
 * A cgroup that other processes share and that is not a service (root's login session scope, with its shell) was
 * delegated to no one: there the tree stays at {@code <mount>/<name>}, as for a process in the root cgroup.
 */
final class DelegatedRoot {
    /** The leaf of the delegated cgroup that holds the sandbox's own process (the JVM that supervises the runs). */
    static final String LEAF = "supervisor";

    private static final List<String> NEEDED = List.of("memory", "pids");

    private DelegatedRoot() { }

    /**
     * The directory in which {@code <name>} is made, prepared as the class says.
     *
     * @param procSelfCgroup the content of /proc/self/cgroup (its "0::" line is the process's v2 cgroup)
     * @param pid            this process, moved into {@code <own>/}{@link #LEAF} when the tree goes below {@code <own>}
     * @throws SandboxException in one line naming what is missing and the fix, when the own cgroup is not
     *     delegated (controllers not offered, not writable, or other processes in it)
     */
    static Path choose(CgroupFs fs, CgroupProbe.CgroupMount mount, String procSelfCgroup, long pid, String name) {
        String own = ownCgroup(procSelfCgroup);
        String root = mount.root();
        String rel;
        if (own.equals(root)) {
            rel = "";
        } else if (root.equals("/") || own.startsWith(root + "/")) {
            rel = own.substring(root.equals("/") ? 1 : root.length() + 1);
        } else {
            throw new SandboxException("cgroup v2: this process's cgroup " + own + " is not below the cgroup2 mounted at "
                    + mount.mountPoint() + " (which shows " + root + "); mount the whole hierarchy");
        }
        // A process that already moved itself (an earlier driver of this JVM) is in <own>/supervisor.
        if (rel.equals(LEAF)) rel = "";
        else if (rel.endsWith("/" + LEAF)) rel = rel.substring(0, rel.length() - LEAF.length() - 1);
        if (rel.isEmpty()) return mount.mountPoint();
        if (name.equals(LEAF)) {
            throw new SandboxException("cgroup name '" + LEAF + "' is taken by the cgroup the sandbox's own process moves"
                    + " into; choose another sandbox cgroup name");
        }
        Path base = mount.mountPoint().resolve(rel);
        Dir dir = fs.openRoot(base);
        try {
            Set<String> offered = V2Driver.words(fs.read(dir, "cgroup.controllers"));
            List<String> missing = new ArrayList<>();
            for (String c : NEEDED) {
                if (!offered.contains(c)) missing.add(c);
            }
            if (!missing.isEmpty()) {
                throw notDelegated(base, "it is not offered the " + String.join(" and ", missing)
                        + (missing.size() == 1 ? " controller" : " controllers") + " (cgroup.controllers: "
                        + (offered.isEmpty() ? "none" : String.join(" ", offered)) + ")");
            }
            List<String> others = new ArrayList<>();
            for (String p : fs.read(dir, "cgroup.procs").split("\n")) {
                if (!p.isBlank() && !p.strip().equals(Long.toString(pid))) others.add(p.strip());
            }
            if (!others.isEmpty() && !base.getFileName().toString().endsWith(".service")) {
                // Not a service but a cgroup shared with others: root's login session (session-N.scope, with its
                // shell) running ./ato run or ./ato test. Nothing was delegated to this process there; as root it
                // keeps the tree at the hierarchy's root, as on a host without systemd.
                return mount.mountPoint();
            }
            if (!others.isEmpty()) {
                throw new SandboxException("cgroup v2: this process's cgroup " + base + " also holds process"
                        + (others.size() == 1 ? " " : "es ") + String.join(" ", others) + ", and v2 enables controllers"
                        + " only for a cgroup without processes; run the sandbox as the only process of its cgroup"
                        + " (systemd: ExecStart= runs the JVM itself or through exec, Delegate=yes)");
            }
            int e = fs.mkdir(dir, LEAF);
            if (e != 0 && e != Errno.EEXIST) throw notDelegated(base, "mkdir " + LEAF + ": " + Errno.name(e));
            Dir leaf = fs.openDir(dir, LEAF);
            try {
                e = fs.write(leaf, "cgroup.procs", Long.toString(pid));
                if (e != 0) throw notDelegated(base, "moving this process (" + pid + ") into " + LEAF + ": " + Errno.name(e));
            } finally {
                fs.close(leaf);
            }
            return base;
        } finally {
            fs.close(dir);
        }
    }

    /**
     * Hands the delegated cgroup {@code base} back as {@link #choose} found it, once no tree of this process is
     * left in it (only {@link #LEAF}): the controllers off in its cgroup.subtree_control, this process back in
     * it, the leaf removed. Best effort, every step may fail (a tree still in use, a leftover): then nothing more
     * is done. Why: systemd runs a unit's commands in the unit's own cgroup, one after the other
     * ({@code ExecStartPre=ato doctor}, then {@code ExecStart=ato serve}); with controllers left on there, v2's
     * rule of no processes in a cgroup that gives controllers to children makes the next one fail to start
     * (status 219/CGROUP).
     */
    static void release(CgroupFs fs, Path base, long pid) {
        Dir dir;
        try {
            dir = fs.openRoot(base);
        } catch (SandboxException e) {
            return;
        }
        try {
            if (!fs.subdirectories(dir).equals(List.of(LEAF))) return;
            Set<String> on = V2Driver.words(fs.read(dir, "cgroup.subtree_control"));
            if (!on.isEmpty()) {
                List<String> off = new ArrayList<>();
                for (String c : on) off.add("-" + c);
                if (fs.write(dir, "cgroup.subtree_control", String.join(" ", off)) != 0) return;
            }
            if (fs.write(dir, "cgroup.procs", Long.toString(pid)) != 0) return;
            fs.rmdir(dir, LEAF);
        } catch (SandboxException e) {
            // a tree still in use or a leftover: the cgroup stays as it is
        } finally {
            fs.close(dir);
        }
    }

    private static SandboxException notDelegated(Path base, String why) {
        return new SandboxException("cgroup v2: this process's cgroup " + base + " is not delegated to it (" + why
                + "); run the service with Delegate=yes (systemd), or start it in a cgroup delegated to it");
    }

    /** The path of the "0::" line of /proc/self/cgroup. */
    static String ownCgroup(String procSelfCgroup) {
        for (String line : procSelfCgroup.split("\n")) {
            if (line.startsWith("0::")) {
                String p = line.substring(3).strip();
                if (p.startsWith("/")) return p;
            }
        }
        throw new SandboxException("cgroup v2: no \"0::\" line (the process's v2 cgroup) in /proc/self/cgroup");
    }
}
