package dev.ato.sandbox.linux;

import dev.ato.sandbox.SandboxException;
import dev.ato.sandbox.sys.LibC;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the host image shows of a host directory: only what any unprivileged host user could read. Entries
 * that are not world-readable (a file without o+r, a directory without o+r or o+x: {@code /etc/shadow},
 * {@code /etc/ssl/private}, {@code /etc/sudoers}) are absent inside, not merely unreadable, so their names,
 * sizes and dates do not show either.
 *
 * <p>How: once per sandbox, a walk of each bound host directory lists the hidden entries; for a directory
 * with any, a mask directory in the state directory gets an overlayfs whiteout (a 0/0 character device) per
 * hidden entry, and a read-only overlay (mounted nowhere) stacks that mask over the host directory. Runs bind
 * the overlay where they bound the host directory, at the same cost; directories with nothing to hide are
 * bound as before. Where the kernel refuses binds from detached mounts, each run mounts the overlay itself
 * from the same layers (the fallback costs one overlay mount per masked directory per run).
 *
 * <p>The walk sees the host as it was when the sandbox started: a private file added later shows (unreadable,
 * by name) until the next start.
 */
final class HostMask implements AutoCloseable {
    private static final java.util.concurrent.atomic.AtomicInteger SEQUENCE = new java.util.concurrent.atomic.AtomicInteger();

    /** The directory holding the whiteouts, one subdirectory per masked host directory; null when none. */
    private final Path maskDir;
    /** Host directory (relative to /, e.g. "etc") to its detached overlay's descriptor. */
    private final Map<String, Integer> overlays = new LinkedHashMap<>();
    /** Host directory to the overlay options per-run mounts use (the fallback), over descriptors held here. */
    private final Map<String, String> fallbackOptions = new LinkedHashMap<>();
    private final List<Integer> heldFds = new ArrayList<>();

    private HostMask(Path maskDir) {
        this.maskDir = maskDir;
    }

    /**
     * Walks each directory of {@code dirs} (relative to /) and masks what is not world-readable.
     *
     * @param stateDir         where the mask directory goes ({@code mask-<pid>-<start>-<n>}, removed by
     *                         {@link #close()}, or by a later start once this process is gone: see {@link #isOrphan})
     * @param bindFromDetached whether runs may bind from a detached mount (see HostSetup)
     */
    static HostMask build(List<String> dirs, Path stateDir, boolean bindFromDetached) {
        Map<String, List<String>> hidden = new LinkedHashMap<>();
        for (String d : dirs) {
            List<String> h = hiddenEntries(Path.of("/", d));
            if (!h.isEmpty()) hidden.put(d, h);
        }
        if (hidden.isEmpty()) return new HostMask(null);
        // A directory on the host, not a tmpfs mounted nowhere: before Linux 6.15 overlayfs refuses layers on
        // detached mounts.
        ProcessHandle self = ProcessHandle.current();
        Path dir = stateDir.resolve("mask-" + self.pid() + "-" + self.info().startInstant().map(java.time.Instant::toEpochMilli).orElse(0L)
                + "-" + SEQUENCE.incrementAndGet());
        HostMask m = new HostMask(dir);
        try {
            Files.createDirectory(dir);
            int n = 0;
            for (Map.Entry<String, List<String>> e : hidden.entrySet()) {
                String layer = "m" + n++;
                Files.createDirectory(dir.resolve(layer));
                int layerFd = m.hold(LibC.open(dir.resolve(layer).toString(), LibC.O_PATH | LibC.O_DIRECTORY | LibC.O_NOFOLLOW | LibC.O_CLOEXEC, 0), layer);
                for (String entry : e.getValue()) {
                    if (!whiteout(layerFd, entry)) {
                        // No whiteouts here: a container whose device rules refuse even the 0/0 node (podman, a
                        // Kubernetes pod). Its "host" directories are its image's, not the machine's, so what is
                        // left visible is the image's; say so once and bind the directories unmasked.
                        System.getLogger(HostMask.class.getName()).log(System.Logger.Level.WARNING,
                                "private host files are not masked: this host refuses overlay whiteouts (mknodat "
                                        + entry + ": EPERM, a container's device rules); names of unreadable files show");
                        m.close();
                        return new HostMask(null);
                    }
                }
                int hostFd = m.hold(LibC.open("/" + e.getKey(), LibC.O_PATH | LibC.O_DIRECTORY | LibC.O_NOFOLLOW | LibC.O_CLOEXEC, 0), "/" + e.getKey());
                String lower = "/proc/self/fd/" + layerFd + ":/proc/self/fd/" + hostFd;
                m.fallbackOptions.put(e.getKey(), "lowerdir=" + lower);
                if (bindFromDetached) m.overlays.put(e.getKey(), Sys.detachedOverlay(lower, "/" + e.getKey()));
            }
            return m;
        } catch (IOException | RuntimeException e) {
            m.close();
            throw e instanceof RuntimeException r ? r : new SandboxException("making the mask of private host files in " + dir + ": " + e, e);
        }
    }

    /** Whether {@code name} is the mask directory of a process that is gone (or a different process with its pid). */
    static boolean isOrphan(String name) {
        String[] f = name.split("-");
        if (f.length != 4 || !f[0].equals("mask")) return false;
        try {
            long pid = Long.parseLong(f[1]);
            long start = Long.parseLong(f[2]);
            return ProcessHandle.of(pid).flatMap(h -> h.info().startInstant()).map(java.time.Instant::toEpochMilli)
                    .map(t -> t != start).orElse(true);
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private int hold(int fd, String what) {
        if (fd < 0) throw Sys.failure("open", what, com.sun.jna.Native.getLastError());
        heldFds.add(fd);
        return fd;
    }

    /**
     * Makes {@code entry}'s parents (directories that merge with the host's) and a whiteout for it.
     *
     * @return false when the host refuses the whiteout itself with EPERM (no mknod of a 0/0 device allowed)
     */
    private static boolean whiteout(int layerFd, String entry) {
        String[] parts = entry.split("/");
        int dir = LibC.openat(layerFd, ".", LibC.O_PATH | LibC.O_DIRECTORY | LibC.O_CLOEXEC, 0);
        try {
            for (int i = 0; i < parts.length - 1; i++) {
                if (LibC.mkdirat(dir, parts[i], 0755) != 0 && com.sun.jna.Native.getLastError() != dev.ato.sandbox.sys.Errno.EEXIST) {
                    throw Sys.failure("mkdirat", "mask " + entry, com.sun.jna.Native.getLastError());
                }
                int next = LibC.openat(dir, parts[i], LibC.O_PATH | LibC.O_DIRECTORY | LibC.O_NOFOLLOW | LibC.O_CLOEXEC, 0);
                if (next < 0) throw Sys.failure("openat", "mask " + entry, com.sun.jna.Native.getLastError());
                LibC.close(dir);
                dir = next;
            }
            if (LibC.mknodat(dir, parts[parts.length - 1], LibC.S_IFCHR, 0) != 0) {
                int errno = com.sun.jna.Native.getLastError();
                if (errno == dev.ato.sandbox.sys.Errno.EPERM) return false;
                throw Sys.failure("mknodat", "whiteout " + entry, errno);
            }
            return true;
        } finally {
            LibC.close(dir);
        }
    }

    /**
     * The entries below {@code dir} (relative paths) that an unprivileged user could not read: files without
     * o+r, directories without o+r or o+x (not descended into). Symbolic links are always shown (their
     * targets are checked where they lead). Other filesystems mounted below are not entered.
     */
    static List<String> hiddenEntries(Path dir) {
        try {
            String dev = device(Files.readAttributes(dir, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS));
            List<Path> top;
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
                top = new ArrayList<>();
                entries.forEach(top::add);
            }
            // The first level's subtrees in parallel: a walk of /usr is ~200,000 stats, the cost of a sandbox's start.
            return top.parallelStream().flatMap(p -> {
                List<String> out = new ArrayList<>();
                try {
                    visit(p, "", dev, out);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                return out.stream();
            }).toList();
        } catch (IOException | java.io.UncheckedIOException e) {
            throw new SandboxException("walking " + dir + " for private files: " + e, e);
        }
    }

    /** One stat per entry; directories of another filesystem are not entered (the overlay shows what is under them). */
    private static void walk(Path dir, String rel, String dev, List<String> out) throws IOException {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path p : entries) visit(p, rel, dev, out);
        }
    }

    private static void visit(Path p, String rel, String dev, List<String> out) throws IOException {
        String name = rel + p.getFileName();
        PosixFileAttributes a;
        try {
            a = Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            out.add(name); // gone meanwhile, or not even root may stat it: hidden rather than guessed at
            return;
        }
        if (a.isSymbolicLink()) return; // where it leads is checked there
        Set<PosixFilePermission> perms = a.permissions();
        if (!perms.contains(PosixFilePermission.OTHERS_READ)
                || (a.isDirectory() && !perms.contains(PosixFilePermission.OTHERS_EXECUTE))) {
            out.add(name);
        } else if (a.isDirectory() && dev.equals(device(a))) {
            walk(p, name + "/", dev, out);
        }
    }

    /** The device part of the JDK's file key, "(dev=803,ino=131)" on Linux. */
    private static String device(BasicFileAttributes attrs) {
        String key = String.valueOf(attrs.fileKey());
        int comma = key.indexOf(',');
        return comma < 0 ? key : key.substring(0, comma);
    }

    /**
     * Puts host directory {@code d} (relative to /) read-only at {@code target} in the calling thread's mount
     * namespace: a bind of the host directory, or of its masked overlay.
     */
    void mountHostDir(String d, String target) {
        Integer overlay = overlays.get(d);
        String options = fallbackOptions.get(d);
        if (overlay != null) {
            Sys.bindReadOnly("/proc/self/fd/" + overlay, target);
        } else if (options != null) {
            Sys.mount("overlay", target, "overlay", LibC.MS_RDONLY | LibC.MS_NOSUID | LibC.MS_NODEV, options);
        } else {
            Sys.bindReadOnly("/" + d, target);
        }
    }

    @Override
    public void close() {
        for (int fd : overlays.values()) Sys.closeQuietly(fd);
        overlays.clear();
        for (int fd : heldFds) Sys.closeQuietly(fd);
        heldFds.clear();
        if (maskDir != null) {
            try {
                HostSetup.deleteTree(maskDir);
            } catch (IOException e) {
                System.getLogger(HostMask.class.getName()).log(System.Logger.Level.WARNING, "could not remove " + maskDir + ": " + e);
            }
        }
    }
}
