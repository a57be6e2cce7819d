package dev.ato.sandbox.linux;

import dev.ato.sandbox.SandboxException;
import dev.ato.sandbox.nativeaccess.AtFiles;
import dev.ato.sandbox.nativeaccess.Errno;
import dev.ato.sandbox.nativeaccess.LibC;
import dev.ato.sandbox.nativeaccess.Mounts;
import dev.ato.sandbox.nativeaccess.NativeException;
import dev.ato.sandbox.nativeaccess.Processes;
import dev.ato.sandbox.nativeaccess.Sys;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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
 * <p>The walk sees the host as it was when the sandbox started (or up to {@link #WALK_REUSE} earlier, when
 * another sandbox of this process walked it then): a private file added later shows (unreadable, by name)
 * until the next start.
 */
final class HostMask implements AutoCloseable {
    private static final java.util.concurrent.atomic.AtomicInteger SEQUENCE = new java.util.concurrent.atomic.AtomicInteger();

    /** The directory holding the whiteouts, one subdirectory per masked host directory; null when none. */
    private final Path maskDir;
    /** Host directory (relative to /, e.g. "etc") to its detached overlay's descriptor. */
    private final Map<String, Integer> overlays = new LinkedHashMap<>();
    /**
     * Host directory to its mask layer (the fallback: per-run overlays stack this over the host directory). A
     * path, opened again in each run's mount namespace: before Linux 6.6 overlayfs refuses a layer whose mount
     * belongs to another mount namespace (EINVAL), such as a descriptor opened here in the host's.
     */
    private final Map<String, Path> fallbackLayers = new LinkedHashMap<>();
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
    static HostMask build(String initPath, List<String> dirs, Path stateDir, boolean bindFromDetached) {
        Map<String, List<String>> hidden = new LinkedHashMap<>();
        for (String d : dirs) {
            List<String> h = hiddenEntries(initPath, d);
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
                int layerFd = m.hold(Sys.openPath(dir.resolve(layer).toString(), true));
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
                if (bindFromDetached) {
                    int hostFd = m.hold(Sys.openPath("/" + e.getKey(), true));
                    String lower = "/proc/self/fd/" + layerFd + ":/proc/self/fd/" + hostFd;
                    m.overlays.put(e.getKey(), Mounts.detachedOverlay(lower, "/" + e.getKey()));
                } else {
                    m.fallbackLayers.put(e.getKey(), dir.resolve(layer));
                }
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

    private int hold(int fd) {
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
        int dir = AtFiles.openPathDirectory(layerFd, ".");
        try {
            for (int i = 0; i < parts.length - 1; i++) {
                try {
                    AtFiles.mkdir(dir, parts[i], 0755);
                } catch (NativeException e) {
                    if (e.errno() != Errno.EEXIST) throw Sys.failure("mkdirat", "mask " + entry, e.errno());
                }
                int next = AtFiles.openPathDirectory(dir, parts[i]);
                Sys.closeQuietly(dir);
                dir = next;
            }
            try {
                AtFiles.mknod(dir, parts[parts.length - 1], LibC.S_IFCHR, 0);
            } catch (NativeException e) {
                if (e.errno() == Errno.EPERM) return false;
                throw Sys.failure("mknodat", "whiteout " + entry, e.errno());
            }
            return true;
        } finally {
            Sys.closeQuietly(dir);
        }
    }

    /** How long a walk of a host directory serves further sandboxes of this process (see {@link #hiddenEntries}). */
    static final java.time.Duration WALK_REUSE = java.time.Duration.ofMinutes(10);
    /** The largest listing a walk may print: 16 MiB of NUL-separated paths (~250,000 hidden entries). */
    static final int MAX_LISTING = 16 << 20;
    private static final Map<String, Walk> WALKS = new java.util.concurrent.ConcurrentHashMap<>();

    private record Walk(List<String> hidden, long atNanos) {
    }

    /**
     * The entries below host directory {@code dir} (relative paths) that an unprivileged user could not read:
     * files without o+r, directories without o+r or o+x (not descended into). Symbolic links are always shown
     * (their targets are checked where they lead); other filesystems mounted below are not entered.
     *
     * <p>The walk is native ({@code ato-init private DIR}: one fstatat per entry, about 1 s for a 220,000-entry
     * /usr) and serves every sandbox this process starts in the next {@link #WALK_REUSE}: a process that starts
     * many sandboxes (tests, an embedding application) walks a directory once per ten minutes, not per start.
     *
     * @param initPath the sandbox's {@code ato-init}
     */
    static List<String> hiddenEntries(String initPath, String dir) {
        Walk w = WALKS.get(dir);
        if (w != null && System.nanoTime() - w.atNanos() < WALK_REUSE.toNanos()) return w.hidden();
        long t0 = System.nanoTime();
        Walk fresh = new Walk(walk(initPath, dir), System.nanoTime());
        WALKS.put(dir, fresh);
        System.getLogger(HostMask.class.getName()).log(System.Logger.Level.DEBUG, "private host files: walked /{0} in {1} ms, {2} to hide",
                dir, (fresh.atNanos() - t0) / 1_000_000, fresh.hidden().size());
        return fresh.hidden();
    }

    /** Forgets every earlier walk, so that the next sandbox sees files made since (for tests). */
    static void forgetWalks() {
        WALKS.clear();
    }

    private static List<String> walk(String initPath, String dir) {
        int[] out = Sys.pipe();
        int[] err = Sys.pipe();
        int[] in = Sys.pipe();
        int pid = -1;
        try {
            pid = Processes.spawn(initPath, List.of("ato-init", "private", "/" + dir), List.of(), new int[] {in[0], out[1], err[1]});
            Sys.closeQuietly(out[1]);
            out[1] = -1;
            Sys.closeQuietly(err[1]);
            err[1] = -1;
            byte[] listing = readAll(out[0], MAX_LISTING, "/" + dir, "its list of hidden paths");
            String complaint = new String(readAll(err[0], 4096, "/" + dir, "its error output"),
                    java.nio.charset.StandardCharsets.UTF_8).strip();
            int status = Processes.waitFor(pid);
            pid = -1;
            if (status != 0) {
                throw new SandboxException("walking /" + dir + " for private files: "
                        + (complaint.isEmpty() ? "ato-init private exited with wait status " + status : complaint));
            }
            List<String> hidden = new ArrayList<>();
            int from = 0;
            for (int i = 0; i < listing.length; i++) {
                if (listing[i] == 0) {
                    hidden.add(new String(listing, from, i - from, java.nio.charset.StandardCharsets.UTF_8));
                    from = i + 1;
                }
            }
            return List.copyOf(hidden);
        } finally {
            for (int fd : new int[] {in[0], in[1], out[0], out[1], err[0], err[1]}) Sys.closeQuietly(fd);
            if (pid > 0) {
                Processes.kill(pid);
                Processes.reap(pid);
            }
        }
    }

    /** Everything until EOF on {@code fd} (ato-init's {@code what}), refused past {@code max} bytes. */
    private static byte[] readAll(int fd, int max, String dir, String what) {
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        byte[] chunk = new byte[65536];
        while (true) {
            int n = Sys.read(fd, chunk, 0, "the private files of " + dir);
            if (n == 0) return b.toByteArray();
            if (b.size() + n > max) {
                throw new SandboxException("walking " + dir + " for private files: " + what + " passed " + max
                        + " bytes; refusing to mask a tree this size");
            }
            b.write(chunk, 0, n);
        }
    }

    /**
     * Puts host directory {@code d} (relative to /) read-only at {@code target} in the calling thread's mount
     * namespace: a bind of the host directory, or of its masked overlay.
     */
    void mountHostDir(String d, String target) {
        Integer overlay = overlays.get(d);
        Path layer = fallbackLayers.get(d);
        if (overlay != null) {
            Mounts.bindReadOnly("/proc/self/fd/" + overlay, target);
        } else if (layer != null) {
            int layerFd = Sys.openPath(layer.toString(), true);
            try {
                int hostFd = Sys.openPath("/" + d, true);
                try {
                    Mounts.mount("overlay", target, "overlay", LibC.MS_RDONLY | LibC.MS_NOSUID | LibC.MS_NODEV,
                            "lowerdir=/proc/self/fd/" + layerFd + ":/proc/self/fd/" + hostFd);
                } finally {
                    Sys.closeQuietly(hostFd);
                }
            } finally {
                Sys.closeQuietly(layerFd);
            }
        } else {
            Mounts.bindReadOnly("/" + d, target);
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
