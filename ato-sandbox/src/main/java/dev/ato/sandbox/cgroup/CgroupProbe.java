package dev.ato.sandbox.cgroup;

import dev.ato.sandbox.SandboxException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Finds the cgroup hierarchies in mountinfo and picks the driver, as {@link CgroupDriver#probe} documents. */
final class CgroupProbe {
    static final List<String> V1_CONTROLLERS = List.of("memory", "pids", "cpu", "cpuacct", "freezer");

    /**
     * One cgroup or cgroup2 mount: where, (v1) which controllers its super options name, and which cgroup of
     * the hierarchy it shows ("/" unless a subtree was mounted or bound there).
     */
    record CgroupMount(Path mountPoint, boolean v2, Set<String> options, String root) { }

    /** The drivers handed out by {@link #shared}, each with its count of holders; guarded by the class lock. */
    private static final Map<String, TreeDriver> SHARED = new java.util.HashMap<>();

    private CgroupProbe() { }

    /** The JVM's one driver for {@code name} on the host's real tree, with the host lock guarding its sweep. */
    static synchronized CgroupDriver shared(String name) {
        TreeDriver d = SHARED.get(name);
        if (d != null) {
            d.holders++;
            return d;
        }
        d = (TreeDriver) probe(Path.of("/proc/self/mountinfo"), KernelFs.INSTANCE, name);
        try {
            d.guardSweepWith(HostLock.acquire(name));
        } catch (RuntimeException e) {
            d.close();
            throw e;
        }
        SHARED.put(name, d);
        return d;
    }

    /**
     * Counts one holder of {@code d} off; true when it was the last, and then a later {@link #shared} makes a
     * new driver. Drivers not made by {@link #shared} have one holder.
     */
    static synchronized boolean release(TreeDriver d) {
        if (d.holders <= 0) return false;
        if (--d.holders > 0) return false;
        SHARED.remove(d.name, d);
        return true;
    }

    /**
     * The driver for the hierarchies of {@code mountinfo}; on cgroup v2 its tree lives where {@link DelegatedRoot}
     * says, from the {@code cgroup} file beside {@code mountinfo} (/proc/self/cgroup).
     */
    static CgroupDriver probe(Path mountinfo, CgroupFs fs, String name) {
        List<CgroupMount> mounts = parse(read(mountinfo));
        Optional<CgroupMount> unified = mounts.stream().filter(CgroupMount::v2).findFirst();
        String v2Problem;
        if (unified.isPresent()) {
            Path at = unified.get().mountPoint();
            Set<String> offered = controllers(fs, at);
            if (offered.contains("memory") && offered.contains("pids")) {
                // The process's own cgroup: /proc/self/cgroup beside /proc/self/mountinfo.
                String self = read(mountinfo.resolveSibling("cgroup"));
                Path base = DelegatedRoot.choose(fs, unified.get(), self, ProcessHandle.current().pid(), name);
                return new V2Driver(fs, name, base, !base.equals(at));
            }
            v2Problem = "the cgroup2 at " + at + " offers " + (offered.isEmpty() ? "no controller" : String.join(" ", offered))
                    + ", not memory+pids";
        } else {
            v2Problem = "no cgroup2 is mounted";
        }
        Map<String, Path> v1 = new LinkedHashMap<>();
        for (CgroupMount m : mounts) {
            if (m.v2()) continue;
            for (String c : V1_CONTROLLERS) {
                if (m.options().contains(c)) v1.putIfAbsent(c, m.mountPoint());
            }
        }
        List<String> missing = new ArrayList<>();
        for (String c : V1_CONTROLLERS) {
            if (!v1.containsKey(c)) missing.add(c);
        }
        if (missing.isEmpty()) return new V1Driver(fs, name, v1);
        throw new SandboxException("no usable cgroups: no cgroup v1 " + String.join(", ", missing)
                + (missing.size() == 1 ? " controller" : " controllers") + " mounted and " + v2Problem
                + " (from " + mountinfo + ")");
    }

    private static Set<String> controllers(CgroupFs fs, Path mountPoint) {
        CgroupFs.Dir d = fs.openRoot(mountPoint);
        try {
            return V2Driver.words(fs.read(d, "cgroup.controllers"));
        } finally {
            fs.close(d);
        }
    }

    private static String read(Path mountinfo) {
        try {
            return Files.readString(mountinfo, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new SandboxException("read " + mountinfo + ": " + e.getMessage(), e);
        }
    }

    /**
     * The cgroup mounts in mountinfo order. Format (proc(5)): id parent major:minor root mount-point
     * options [optional fields...] - fstype source super-options; the controllers of a v1 hierarchy are
     * among its super options ("rw,cpu,cpuacct"). Mount points escape space, tab, newline and backslash
     * as octal.
     */
    static List<CgroupMount> parse(String mountinfo) {
        List<CgroupMount> out = new ArrayList<>();
        for (String line : mountinfo.split("\n")) {
            String[] f = line.split(" ");
            int dash = -1;
            for (int i = 6; i < f.length; i++) {
                if (f[i].equals("-")) {
                    dash = i;
                    break;
                }
            }
            if (dash < 0 || dash + 3 >= f.length) continue;
            String type = f[dash + 1];
            if (!type.equals("cgroup") && !type.equals("cgroup2")) continue;
            Path mp = Path.of(unescape(f[4]));
            out.add(new CgroupMount(mp, type.equals("cgroup2"), Set.of(f[dash + 3].split(",")), unescape(f[3])));
        }
        return out;
    }

    private static String unescape(String s) {
        if (s.indexOf('\\') < 0) return s;
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 3 < s.length()
                    && isOctal(s.charAt(i + 1)) && isOctal(s.charAt(i + 2)) && isOctal(s.charAt(i + 3))) {
                b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    private static boolean isOctal(char c) {
        return c >= '0' && c <= '7';
    }
}
