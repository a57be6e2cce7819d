package dev.ato.sandbox.cgroup;

import dev.ato.sandbox.nativeaccess.Errno;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.IntConsumer;
import java.util.stream.Stream;

/**
 * A cgroup2 tree in a temp directory that behaves, at the level of files, as the kernel documents
 * (Documentation/admin-guide/cgroup-v2.rst): mkdir populates the core files and those of the controllers
 * enabled in the parent's cgroup.subtree_control; rmdir refuses a cgroup with processes or children;
 * controllers can be enabled only when offered by cgroup.controllers and only for a cgroup without
 * processes of its own (the root excepted); writing a pid to cgroup.procs moves it; cgroup.kill kills the
 * subtree. Processes are plain numbers here; "killing" one removes it from the tree.
 */
final class FakeCgroup2 implements CgroupFs {
    final Path mount;
    /** Kernel features that came and went: cgroup.kill (5.14), memory.peak (5.19), swap accounting, cgroup.freeze (5.2). */
    boolean kill = true;
    boolean peak = true;
    boolean swap = true;
    boolean freeze = true;
    /** Whether the mount is the real root cgroup, exempt from the no-internal-process rule. */
    boolean mountIsRoot = true;
    /** rmdir answers EBUSY this many more times before it looks at the tree (a cgroup whose last task is still exiting). */
    int busyRmdirs;
    /** Called when a process handle is opened, to let a test make the process leave meanwhile. */
    IntConsumer onOpenProcess = pid -> { };

    final List<String> writes = new CopyOnWriteArrayList<>();
    final List<Integer> killed = new CopyOnWriteArrayList<>();
    private final Set<Integer> openHandles = Collections.synchronizedSet(new LinkedHashSet<>());

    record PathDir(Path path) implements Dir { }

    FakeCgroup2(Path mount, String controllers) throws IOException {
        this.mount = mount;
        Files.createDirectories(mount);
        Files.writeString(mount.resolve("cgroup.controllers"), controllers + "\n");
        Files.writeString(mount.resolve("cgroup.subtree_control"), "\n");
        Files.writeString(mount.resolve("cgroup.procs"), "1\n");
        Files.writeString(mount.resolve("cpu.stat"), "usage_usec 0\nuser_usec 0\nsystem_usec 0\n");
    }

    private Path p(Dir d) {
        return ((PathDir) d).path();
    }

    @Override
    public synchronized Dir openRoot(Path absolute) {
        if (!Files.isDirectory(absolute)) throw new CgroupIoException("open(" + absolute + ")", Errno.ENOENT);
        return new PathDir(absolute);
    }

    @Override
    public synchronized int mkdir(Dir parent, String name) {
        Path dir = p(parent).resolve(name);
        if (Files.exists(dir)) return Errno.EEXIST;
        try {
            Files.createDirectory(dir);
            Set<String> enabled = words(Files.readString(p(parent).resolve("cgroup.subtree_control")));
            Files.writeString(dir.resolve("cgroup.controllers"), String.join(" ", enabled) + "\n");
            Files.writeString(dir.resolve("cgroup.subtree_control"), "\n");
            Files.writeString(dir.resolve("cgroup.procs"), "");
            Files.writeString(dir.resolve("cgroup.events"), "populated 0\nfrozen 0\n");
            Files.writeString(dir.resolve("cpu.stat"), "usage_usec 0\nuser_usec 0\nsystem_usec 0\nnr_periods 0\n");
            if (kill) Files.writeString(dir.resolve("cgroup.kill"), "");
            if (freeze) Files.writeString(dir.resolve("cgroup.freeze"), "0\n");
            if (enabled.contains("memory")) {
                Files.writeString(dir.resolve("memory.max"), "max\n");
                Files.writeString(dir.resolve("memory.current"), "0\n");
                Files.writeString(dir.resolve("memory.events"), "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\noom_group_kill 0\n");
                if (peak) Files.writeString(dir.resolve("memory.peak"), "0\n");
                if (swap) Files.writeString(dir.resolve("memory.swap.max"), "max\n");
            }
            if (enabled.contains("pids")) {
                Files.writeString(dir.resolve("pids.max"), "max\n");
                Files.writeString(dir.resolve("pids.current"), "0\n");
            }
            if (enabled.contains("cpu")) {
                Files.writeString(dir.resolve("cpu.max"), "max 100000\n");
                Files.writeString(dir.resolve("cpu.weight"), "100\n");
            }
            return 0;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public synchronized Dir openDir(Dir parent, String name) {
        Path dir = p(parent).resolve(name);
        if (!Files.isDirectory(dir)) throw new CgroupIoException("open(" + dir + ")", Errno.ENOENT);
        return new PathDir(dir);
    }

    @Override
    public synchronized int rmdir(Dir parent, String name) {
        Path dir = p(parent).resolve(name);
        if (!Files.isDirectory(dir)) return Errno.ENOENT;
        if (busyRmdirs > 0) {
            busyRmdirs--;
            return Errno.EBUSY;
        }
        if (!subdirectories(new PathDir(dir)).isEmpty() || !pids(dir).isEmpty()) return Errno.EBUSY;
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.toList()) Files.delete(f);
            Files.delete(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return 0;
    }

    @Override
    public int openWrite(Dir dir, String file) {
        return -Errno.ENOENT; // cgroup v2 offers no self-join files; the driver never asks
    }

    @Override
    public synchronized int write(Dir dir, String file, String value) {
        Path d = p(dir);
        Path f = d.resolve(file);
        if (!Files.isRegularFile(f)) return Errno.ENOENT;
        writes.add(mount.relativize(f) + "=" + value);
        try {
            switch (file) {
                case "cgroup.procs" -> {
                    int pid = Integer.parseInt(value);
                    if (!d.equals(mount) || !mountIsRoot) {
                        if (!words(Files.readString(d.resolve("cgroup.subtree_control"))).isEmpty()) return Errno.EBUSY;
                    }
                    removeEverywhere(pid);
                    List<Integer> now = pids(d);
                    now.add(pid);
                    setPids(d, now);
                }
                case "cgroup.subtree_control" -> {
                    Set<String> offered = words(Files.readString(d.resolve("cgroup.controllers")));
                    Set<String> on = new LinkedHashSet<>(words(Files.readString(f)));
                    for (String w : value.trim().split("\\s+")) {
                        String c = w.substring(1);
                        if (!offered.contains(c)) return Errno.ENOENT;
                        if (w.charAt(0) == '+') on.add(c);
                        else on.remove(c);
                    }
                    boolean exempt = d.equals(mount) && mountIsRoot;
                    if (!exempt && !pids(d).isEmpty() && !on.isEmpty()) return Errno.EBUSY;
                    Files.writeString(f, String.join(" ", on) + "\n");
                }
                case "cgroup.kill" -> {
                    if (!value.equals("1")) return Errno.EINVAL;
                    try (Stream<Path> all = Files.walk(d)) {
                        for (Path sub : all.filter(Files::isDirectory).toList()) {
                            for (int pid : pids(sub)) killed.add(pid);
                            setPids(sub, new ArrayList<>());
                        }
                    }
                }
                case "memory.max", "memory.swap.max", "pids.max" -> {
                    if (!value.equals("max") && !value.matches("[0-9]{1,19}")) return Errno.EINVAL;
                    Files.writeString(f, value + "\n");
                }
                case "cgroup.freeze" -> {
                    if (!value.equals("0") && !value.equals("1")) return Errno.EINVAL;
                    Files.writeString(f, value + "\n");
                }
                default -> Files.writeString(f, value + "\n");
            }
            return 0;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public synchronized String read(Dir dir, String file) {
        Path f = p(dir).resolve(file);
        if (!Files.isRegularFile(f)) throw new CgroupIoException("open(" + f + ")", Errno.ENOENT);
        try {
            return Files.readString(f);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public synchronized boolean exists(Dir dir, String file) {
        return Files.exists(p(dir).resolve(file));
    }

    @Override
    public synchronized List<String> subdirectories(Dir dir) {
        try (Stream<Path> s = Files.list(p(dir))) {
            return s.filter(Files::isDirectory).map(x -> x.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A made-up descriptor number: the fake has no real directory descriptors. */
    @Override
    public OptionalInt fd(Dir dir) {
        return OptionalInt.of(1000 + Math.abs(p(dir).hashCode() % 1000));
    }

    @Override
    public void close(Dir dir) { }

    @Override
    public int openProcess(int pid) {
        onOpenProcess.accept(pid);
        openHandles.add(pid);
        return pid;
    }

    @Override
    public synchronized int killProcess(int handle) {
        if (!openHandles.contains(handle)) throw new AssertionError("kill through a handle that is not open: " + handle);
        killed.add(handle);
        removeEverywhere(handle);
        return 0;
    }

    @Override
    public void closeProcess(int handle) {
        if (!openHandles.remove(handle)) throw new AssertionError("handle closed twice: " + handle);
    }

    /** Puts a process straight into a cgroup of the tree, as a process of an earlier sandbox would be. */
    synchronized void place(Path dir, int pid) {
        removeEverywhere(pid);
        List<Integer> now = pids(dir);
        now.add(pid);
        setPids(dir, now);
    }

    synchronized void setFile(Path file, String content) {
        try {
            Files.writeString(file, content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    synchronized void removeEverywhere(int pid) {
        try (Stream<Path> all = Files.walk(mount)) {
            for (Path d : all.filter(Files::isDirectory).toList()) {
                List<Integer> now = pids(d);
                if (now.remove(Integer.valueOf(pid))) setPids(d, now);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    List<Integer> pids(Path dir) {
        try {
            List<Integer> out = new ArrayList<>();
            for (String w : Files.readString(dir.resolve("cgroup.procs")).split("\\s+")) {
                if (!w.isEmpty()) out.add(Integer.parseInt(w));
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void setPids(Path dir, List<Integer> pids) {
        StringBuilder b = new StringBuilder();
        for (int p : pids) b.append(p).append('\n');
        setFile(dir.resolve("cgroup.procs"), b.toString());
        setFile(dir.resolve("cgroup.events"), "populated " + (pids.isEmpty() ? 0 : 1) + "\nfrozen 0\n");
    }

    static Set<String> words(String s) {
        String t = s.trim();
        return t.isEmpty() ? Set.of() : new LinkedHashSet<>(Arrays.asList(t.split("\\s+")));
    }
}
