package dev.ato.sandbox.linux;

import dev.ato.sandbox.SandboxConfig;
import dev.ato.sandbox.SandboxException;
import dev.ato.sandbox.nativeaccess.Errno;
import dev.ato.sandbox.nativeaccess.LibC;
import dev.ato.sandbox.nativeaccess.Mounts;
import dev.ato.sandbox.nativeaccess.Namespaces;
import dev.ato.sandbox.nativeaccess.NativeException;
import dev.ato.sandbox.nativeaccess.Sys;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The sandbox's files on the host, all under the state directory (mode 0700, root's): the native binaries
 * extracted from the jar into a content-addressed directory, the skeleton lower layer of the host image, and
 * two empty mount points every run mounts over in its own mount namespace. Nothing per run is ever created
 * on the host, so there is no per-run state to clean up or sweep.
 *
 * <p>Several sandboxes (in this JVM or others) may share a state directory. Each holds a shared flock(2) on
 * the directory while it lives; the last one to close gets it exclusively and removes what sandboxes put
 * there, then the directory itself if nothing else is in it. A sandbox starting meanwhile waits for the
 * lock and, finding its directory unlinked, makes a new one.
 */
final class HostSetup {
    /** Top-level host directories the host image shows read-only (symlinks, as on merged-/usr hosts, are copied as links). */
    static final List<String> HOST_DIRS = List.of("usr", "bin", "sbin", "lib", "lib32", "lib64", "libx32", "etc");
    /** The static bash every container gets as /ATO/bash (Debian's bash-static). */
    static final Path BASH_STATIC = Path.of("/bin/bash-static");

    final Path stateDir;
    /** What to spawn as the init: /proc/self/fd/N of a sealed memfd, or the extracted file where memfds cannot be executed. */
    final String initPath;
    private final int initMemfd;
    /** The state directory, open and flock(LOCK_SH)ed for this sandbox's lifetime. */
    private final int stateLock;
    /**
     * What runs bind as /ATO/yargs: {@code /proc/self/fd/N/yargs} in a detached tmpfs where the kernel lets
     * a bind come from one (so the container's mountinfo shows {@code /yargs}, not a host path); null where
     * it does not (Linux 6.1), and each run gets a copy of {@link #yargsCopy} instead: a bind from the state
     * directory would show the state directory's host path in the container's mountinfo.
     */
    final String yargsSource;
    /** yargs itself, for runs to copy where {@link #yargsSource} is null. */
    final byte[] yargsCopy;
    private final int yargsMount;
    final Path skeleton;
    final Path upperMount;
    final Path rootMount;
    /** Host directories to bind into the host image, e.g. "usr", "etc". */
    final List<String> hostBinds;
    /** What of them the runs see: what any unprivileged host user could read. */
    final HostMask hostMask;

    /** The host directories' layout (what the skeleton mirrors), without the owner. */
    private final String layout;
    /** Skeletons of other uid slots, made on first use; guarded by itself. */
    private final java.util.Map<String, Path> slotSkeletons = new java.util.HashMap<>();

    /**
     * @param bin the extracted binaries' directory; {@code init} and {@code yargs} are its files' content
     *            (read from the jar already, so not read back from the files)
     */

    private HostSetup(Path stateDir, int stateLock, Path bin, byte[] init, byte[] yargs, Path skeleton, List<String> hostBinds, String layout) {
        this.layout = layout;
        this.stateDir = stateDir;
        this.stateLock = stateLock;
        this.initMemfd = memfdNoexec() ? -1 : Sys.sealedExecutable("ato-init", init);
        this.initPath = initMemfd >= 0 ? "/proc/self/fd/" + initMemfd : bin.resolve("ato-init").toString();
        int m;
        try {
            m = Mounts.detachedFile("yargs", yargs);
        } catch (RuntimeException e) {
            Sys.closeQuietly(initMemfd);
            throw e;
        }
        if (m >= 0 && !bindsFromDetachedMounts(m, stateDir.resolve("root"))) {
            Sys.closeQuietly(m);
            m = -1;
        }
        this.yargsMount = m;
        this.yargsSource = m >= 0 ? "/proc/self/fd/" + m + "/yargs" : null;
        this.yargsCopy = yargs.clone();
        this.skeleton = skeleton;
        this.upperMount = stateDir.resolve("upper");
        this.rootMount = stateDir.resolve("root");
        this.hostBinds = List.copyOf(hostBinds);
        try {
            this.hostMask = HostMask.build(initPath, this.hostBinds, stateDir, m >= 0);
        } catch (RuntimeException e) {
            Sys.closeQuietly(initMemfd);
            Sys.closeQuietly(yargsMount);
            throw e;
        }
    }

    /**
     * Whether a bind mount may take a detached mount as its source (newer kernels allow it; older ones
     * refuse a source outside the caller's mount namespace with EINVAL). Tried on a throwaway thread in
     * a private mount namespace of its own, which dies with the thread; probed with a small tmpfs.
     */
    static boolean kernelBindsFromDetachedMounts(Path mountPoint) {
        int m = Mounts.detachedFile("probe", new byte[1]);
        try {
            return m >= 0 && bindsFromDetachedMounts(m, mountPoint);
        } finally {
            Sys.closeQuietly(m);
        }
    }

    private static boolean bindsFromDetachedMounts(int mnt, Path mountPoint) {
        boolean[] ok = new boolean[1];
        Thread t = Thread.ofPlatform().name("ato-probe-bind").unstarted(() -> {
            try {
                Namespaces.unshare(LibC.CLONE_NEWNS);
                Mounts.mount(null, "/", null, LibC.MS_REC | LibC.MS_PRIVATE, null);
                Mounts.mount("/proc/self/fd/" + mnt, mountPoint.toString(), null, LibC.MS_BIND, null);
                ok[0] = true;
            } catch (NativeException e) {
                // refused: the answer is no
            }
        });
        t.start();
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SandboxException("interrupted while probing the kernel's mount API", e);
        }
        return ok[0];
    }

    /** vm.memfd_noexec = 2 forbids executing any memfd (Linux 6.3+). */
    private static boolean memfdNoexec() {
        try {
            return Files.readString(Path.of("/proc/sys/vm/memfd_noexec")).strip().equals("2");
        } catch (IOException e) {
            return false; // older kernels: memfds are executable
        }
    }

    /**
     * Releases the init's memfd and this sandbox's hold on the state directory, removing the directory's
     * content when no other sandbox holds it; no run may start or still be going afterwards (a live run's
     * mounts sit on {@code root} and {@code upper}).
     */
    void close() {
        hostMask.close();
        Sys.closeQuietly(initMemfd);
        Sys.closeQuietly(yargsMount);
        try {
            if (Sys.tryLockExclusive(stateLock)) removeState(stateDir);
        } catch (IOException | RuntimeException e) {
            System.getLogger(HostSetup.class.getName()).log(System.Logger.Level.WARNING,
                    "could not remove the sandbox's files in " + stateDir + ": " + e);
        } finally {
            Sys.closeQuietly(stateLock); // drops the flock
        }
    }

    /**
     * Removes what sandboxes make in the state directory, and the directory if that leaves it empty. The
     * mount points go by rmdir alone, so one that is somehow not empty stays visible instead of being
     * emptied; nothing here follows a symlink (the directory is root's and mode 0700, and runs never write
     * to it on the host, but the removal is careful all the same).
     */
    private static void removeState(Path state) throws IOException {
        List<Path> entries;
        try (var s = Files.list(state)) {
            entries = s.toList();
        }
        for (Path p : entries) {
            String n = p.getFileName().toString();
            if (n.equals("upper") || n.equals("root")) {
                if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) Sys.tryRmdir(p.toString());
            } else if (n.startsWith("bin-") || n.startsWith("skel-") || n.startsWith(".bin-") || n.startsWith(".skel-")
                    || n.startsWith("mask-")) {
                deleteTree(p);
            }
        }
        // ENOTEMPTY (someone else's files), EBUSY (a mount point): the directory stays.
        Sys.tryRmdir(state.toString());
    }

    /**
     * Creates the state directory where missing and takes a shared lock on it. The last sandbox to close
     * removes the directory under an exclusive lock; if that happened between our mkdir and our lock, the
     * locked directory is no longer the one at the path, and we start over.
     */
    private static int lockStateDir(Path state) throws IOException {
        for (int attempt = 0; ; attempt++) {
            Files.createDirectories(state);
            if (Files.isSymbolicLink(state)) throw new SandboxException("state directory is a symlink: " + state);
            int fd;
            try {
                fd = Sys.openDirectory(state.toString());
            } catch (NativeException e) {
                if (e.errno() == Errno.ENOENT && attempt < 100) continue; // removed by a closing sandbox just now
                throw e;
            }
            boolean keep = false;
            try {
                Sys.lockShared(fd, state.toString());
                Object locked = Files.getAttribute(Path.of("/proc/self/fd/" + fd), "unix:ino");
                Object lockedDev = Files.getAttribute(Path.of("/proc/self/fd/" + fd), "unix:dev");
                try {
                    keep = locked.equals(Files.getAttribute(state, "unix:ino", LinkOption.NOFOLLOW_LINKS))
                            && lockedDev.equals(Files.getAttribute(state, "unix:dev", LinkOption.NOFOLLOW_LINKS));
                } catch (java.nio.file.NoSuchFileException gone) {
                    keep = false;
                }
                if (keep) return fd;
                if (attempt >= 100) throw new SandboxException("the state directory " + state + " keeps being replaced");
            } finally {
                if (!keep) Sys.closeQuietly(fd);
            }
        }
    }

    static HostSetup prepare(SandboxConfig config) {
        Path state = config.stateDir();
        int lock = -1;
        try {
            lock = lockStateDir(state);
            Files.setPosixFilePermissions(state, PosixFilePermissions.fromString("rwx------"));
            sweepTemporaries(state);
            byte[] init = resource("ato-init");
            byte[] yargs = resource("yargs");
            Path bin = state.resolve("bin-" + sha256(init, yargs).substring(0, 16));
            if (!Files.isDirectory(bin, LinkOption.NOFOLLOW_LINKS)) {
                Path tmp = Files.createTempDirectory(state, ".bin-");
                write(tmp.resolve("ato-init"), init);
                write(tmp.resolve("yargs"), yargs);
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
                publish(tmp, bin);
            }
            List<String> binds = new ArrayList<>();
            StringBuilder layout = new StringBuilder();
            for (String d : HOST_DIRS) {
                Path p = Path.of("/", d);
                if (Files.isSymbolicLink(p)) {
                    layout.append(' ').append(d).append("->").append(Files.readSymbolicLink(p));
                } else if (Files.isDirectory(p)) {
                    binds.add(d);
                    layout.append(' ').append(d);
                }
            }
            Path skel = skeleton(state, layout.toString(), config.uidBase(), config.gidBase());
            for (Path mp : List.of(state.resolve("upper"), state.resolve("root"))) {
                if (!Files.isDirectory(mp, LinkOption.NOFOLLOW_LINKS)) Files.createDirectory(mp);
            }
            HostSetup setup = new HostSetup(state, lock, bin, init, yargs, skel, binds, layout.toString());
            lock = -1;
            return setup;
        } catch (IOException e) {
            throw new SandboxException("preparing the state directory " + state + ": " + e, e);
        } finally {
            if (lock >= 0) { // failed: leave nothing half-made behind, unless another sandbox uses the directory
                try {
                    if (Sys.tryLockExclusive(lock)) removeState(state);
                } catch (IOException | RuntimeException e) {
                    // the original failure is the one to report
                }
                Sys.closeQuietly(lock);
            }
        }
    }

    /** The skeleton owned by {@code uid:gid} (made where missing; content-addressed, so sandboxes share it). */
    private static Path skeleton(Path state, String layout, int uid, int gid) throws IOException {
        Path skel = state.resolve("skel-" + sha256((uid + ":" + gid + layout).getBytes()).substring(0, 16));
        if (!Files.isDirectory(skel, LinkOption.NOFOLLOW_LINKS)) {
            Path tmp = Files.createTempDirectory(state, ".skel-");
            buildSkeleton(tmp, uid, gid);
            publish(tmp, skel);
        }
        return skel;
    }

    /** The host image's lower layer for a run whose root is host {@code uid:gid} (another uid slot). */
    Path skeletonFor(int uid, int gid) {
        synchronized (slotSkeletons) {
            String key = uid + ":" + gid;
            Path p = slotSkeletons.get(key);
            if (p == null) {
                try {
                    p = skeleton(stateDir, layout, uid, gid);
                } catch (IOException e) {
                    throw new SandboxException("making the host image's skeleton for uid " + uid + " in " + stateDir + ": " + e, e);
                }
                slotSkeletons.put(key, p);
            }
            return p;
        }
    }

    /**
     * The lower layer of the host image: mount points for the bound host directories, the links a
     * merged-/usr host has, and the usual top-level directories, those a program may write owned by
     * container root (the upper layer copies them up on first write).
     */
    private static void buildSkeleton(Path dir, int uid, int gid) throws IOException {
        for (String d : HOST_DIRS) {
            Path p = Path.of("/", d);
            if (Files.isSymbolicLink(p)) {
                Files.createSymbolicLink(dir.resolve(d), Files.readSymbolicLink(p));
            } else if (Files.isDirectory(p)) {
                Files.createDirectory(dir.resolve(d));
            }
        }
        for (String d : List.of("proc", "dev", "tmp", "ATO", "sys")) Files.createDirectory(dir.resolve(d));
        for (String d : List.of("root", "home", "var", "var/tmp", "run", "mnt", "srv", "opt")) {
            Path p = dir.resolve(d);
            Files.createDirectory(p);
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(d.equals("var/tmp") ? "rwxrwxrwx" : "rwxr-xr-x"));
            Sys.lchown(p.toString(), uid, gid);
        }
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    /** Half-built directories of a process that died while preparing; an hour is far beyond any live preparation. */
    private static void sweepTemporaries(Path state) throws IOException {
        long cutoff = System.currentTimeMillis() - 3_600_000L;
        try (var s = Files.list(state)) {
            for (Path p : s.toList()) {
                String n = p.getFileName().toString();
                if ((n.startsWith(".bin-") || n.startsWith(".skel-"))
                        && Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS).toMillis() < cutoff) {
                    deleteTree(p);
                } else if (HostMask.isOrphan(n)) {
                    deleteTree(p);
                }
            }
        }
    }

    private static void publish(Path tmp, Path target) throws IOException {
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (FileAlreadyExistsException | AtomicMoveNotSupportedException e) {
            deleteTree(tmp); // another sandbox published the same content first
        } catch (IOException e) {
            if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) deleteTree(tmp); // rename onto a non-empty dir
            else throw e;
        }
    }

    static void deleteTree(Path p) throws IOException {
        if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
            try (var s = Files.list(p)) {
                for (Path c : s.toList()) deleteTree(c);
            }
        }
        Files.deleteIfExists(p);
    }

    private static void write(Path p, byte[] data) throws IOException {
        Files.write(p, data);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("r-xr-xr-x"));
    }

    private static byte[] resource(String name) {
        try (InputStream in = HostSetup.class.getResourceAsStream("/dev/ato/sandbox/native/" + name)) {
            if (in == null) {
                throw new SandboxException("the native " + name + " is missing from the ato-sandbox jar (built without gcc?)");
            }
            return in.readNBytes(64 << 20);
        } catch (IOException e) {
            throw new SandboxException("reading the native " + name + " from the jar: " + e, e);
        }
    }

    private static String sha256(byte[]... parts) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (byte[] p : parts) {
                md.update(p);
                md.update((byte) 0);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
