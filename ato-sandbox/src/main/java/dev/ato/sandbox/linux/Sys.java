package dev.ato.sandbox.linux;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.StringArray;
import dev.ato.sandbox.SandboxException;
import dev.ato.sandbox.sys.Errno;
import dev.ato.sandbox.sys.LibC;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The sandbox's system calls at the level of intent: each either succeeds or throws a
 * {@link SandboxException} that names the call, the errno and what it was applied to, e.g.
 * {@code mount(overlay, /run/ato/root): EINVAL}.
 */
final class Sys {
    private Sys() { }

    /** A failure of {@code call} on {@code what} with {@code errno}. */
    static SandboxException failure(String call, String what, int errno) {
        return new SandboxException(call + "(" + what + "): " + Errno.name(errno));
    }

    private static SandboxException lastError(String call, String what) {
        return failure(call, what, Native.getLastError());
    }

    static void unshare(int flags) {
        if (LibC.unshare(flags) != 0) throw lastError("unshare", "0x" + Integer.toHexString(flags));
    }

    static void setns(int fd, int nstype, String name) {
        if (LibC.setns(fd, nstype) != 0) throw lastError("setns", name);
    }

    static void mount(String source, String target, String fstype, long flags, String data) {
        if (LibC.mount(source, target, fstype, flags, data) != 0) {
            throw lastError("mount", (fstype != null ? fstype : source) + ", " + target);
        }
    }

    /** A read-only, nosuid, nodev bind of {@code source} onto {@code target} (a bind ignores MS_RDONLY until remounted). */
    static void bindReadOnly(String source, String target) {
        mount(source, target, null, LibC.MS_BIND, null);
        mount(null, target, null, LibC.MS_REMOUNT | LibC.MS_BIND | LibC.MS_RDONLY | LibC.MS_NOSUID | LibC.MS_NODEV, null);
    }

    static void mkdir(String path, int mode) {
        if (LibC.mkdir(path, mode) != 0) throw lastError("mkdir", path);
    }

    /** mkdir, then lchown (the owner of the directory a tmpfs/overlay mount point shows). */
    static void mkdirOwned(String path, int mode, int uid, int gid) {
        mkdir(path, mode);
        if (LibC.lchown(path, uid, gid) != 0) throw lastError("lchown", path);
    }

    static void mknodChar(String path, int mode, int major, int minor) {
        long dev = ((long) (major & 0xfff) << 8) | (minor & 0xff) | ((long) (minor & ~0xff) << 12);
        if (LibC.mknod(path, LibC.S_IFCHR | mode, dev) != 0) throw lastError("mknod", path);
    }

    static void symlink(String target, String linkpath) {
        if (LibC.symlink(target, linkpath) != 0) throw lastError("symlink", linkpath);
    }

    /**
     * Creates a new file (never through a symlink, never over an existing one), writes all of it and gives
     * it to the owner.
     */
    static void writeNewFile(String path, byte[] data, int mode, int uid, int gid) {
        int fd = LibC.open(path, LibC.O_WRONLY | LibC.O_CREAT | LibC.O_EXCL | LibC.O_NOFOLLOW | LibC.O_CLOEXEC, mode);
        if (fd < 0) throw lastError("open", path);
        try {
            writeAll(fd, data, path);
            if (LibC.fchown(fd, uid, gid) != 0) throw lastError("fchown", path);
        } finally {
            LibC.close(fd);
        }
    }

    /** Writes into an existing file (used for /proc files), never through a symlink. */
    static void writeExisting(String path, String text) {
        int fd = LibC.open(path, LibC.O_WRONLY | LibC.O_NOFOLLOW | LibC.O_CLOEXEC, 0);
        if (fd < 0) throw lastError("open", path);
        try {
            writeAll(fd, text.getBytes(StandardCharsets.US_ASCII), path);
        } finally {
            LibC.close(fd);
        }
    }

    static void writeAll(int fd, byte[] data, String what) {
        int off = 0;
        byte[] rest = data;
        while (off < data.length) {
            if (off > 0) rest = java.util.Arrays.copyOfRange(data, off, data.length);
            long n = LibC.write(fd, rest, rest.length);
            if (n < 0) {
                if (Native.getLastError() == Errno.EINTR) continue;
                throw lastError("write", what);
            }
            off += (int) n;
        }
    }

    /**
     * An O_PATH descriptor of a directory, to hand the kernel as /proc/self/fd/N. {@code noFollow}: refuse a
     * symlink as the last component (for the sandbox's own mount points).
     */
    static int openPath(String path, boolean noFollow) {
        int fd = LibC.open(path, LibC.O_PATH | LibC.O_DIRECTORY | LibC.O_CLOEXEC | (noFollow ? LibC.O_NOFOLLOW : 0), 0);
        if (fd < 0) throw lastError("open", path);
        return fd;
    }

    static int openRead(String path) {
        int fd = LibC.open(path, LibC.O_RDONLY | LibC.O_NOFOLLOW | LibC.O_CLOEXEC, 0);
        if (fd < 0) throw lastError("open", path);
        return fd;
    }

    /** Opens a namespace file: /proc's ns entries are magic links, so O_NOFOLLOW would refuse them. */
    static int openNamespace(String path) {
        int fd = LibC.open(path, LibC.O_RDONLY | LibC.O_CLOEXEC, 0);
        if (fd < 0) throw lastError("open", path);
        return fd;
    }

    /**
     * An executable, sealed in-memory copy of a program, at a descriptor numbered 10 or more (above the
     * descriptors a spawn sets up). Executed as {@code /proc/self/fd/N}, it does not depend on the mount
     * options of the state directory (Debian's and Ubuntu's /run is noexec).
     */
    static int sealedExecutable(String name, byte[] content) {
        int fd = LibC.memfd_create(name, LibC.MFD_CLOEXEC | LibC.MFD_ALLOW_SEALING | LibC.MFD_EXEC);
        if (fd < 0 && Native.getLastError() == Errno.EINVAL) {
            fd = LibC.memfd_create(name, LibC.MFD_CLOEXEC | LibC.MFD_ALLOW_SEALING); // before Linux 6.3: no MFD_EXEC
        }
        if (fd < 0) throw lastError("memfd_create", name);
        try {
            writeAll(fd, content, "memfd " + name);
            int seals = LibC.F_SEAL_SEAL | LibC.F_SEAL_SHRINK | LibC.F_SEAL_GROW | LibC.F_SEAL_WRITE;
            if (LibC.fcntl(fd, LibC.F_ADD_SEALS, seals) != 0) throw lastError("fcntl(F_ADD_SEALS)", name);
            int high = LibC.fcntl(fd, LibC.F_DUPFD_CLOEXEC, 10);
            if (high < 0) throw lastError("fcntl(F_DUPFD_CLOEXEC)", name);
            return high;
        } finally {
            LibC.close(fd);
        }
    }

    /**
     * A small tmpfs that is mounted nowhere (fsopen/fsconfig/fsmount, Linux 5.2+), holding one executable
     * file, for runs to bind from as {@code /proc/self/fd/N/name}: a bind mount shows its source's path
     * within its filesystem in the container's mountinfo, and here that path is just {@code /name}. Only
     * this process holds the descriptor, so nothing else can reach or change the file.
     *
     * @return the mount's descriptor, or -1 where the kernel lacks the new mount API
     */
    static int detachedFile(String name, byte[] content) {
        String size = Long.toString(Math.max(64 * 1024, content.length + 64 * 1024L));
        int mnt = detachedMount("tmpfs", new String[] {"size", size, "mode", "0755"}, LibC.MOUNT_ATTR_NOSUID | LibC.MOUNT_ATTR_NODEV);
        if (mnt < 0) return -1;
        int fd = LibC.openat(mnt, name, LibC.O_WRONLY | LibC.O_CREAT | LibC.O_EXCL | LibC.O_NOFOLLOW | LibC.O_CLOEXEC, 0700);
        try {
            if (fd < 0) throw lastError("openat", "detached tmpfs " + name);
            writeAll(fd, content, "detached tmpfs " + name);
            if (LibC.fchmod(fd, 0555) != 0) throw lastError("fchmod", "detached tmpfs " + name);
        } catch (RuntimeException e) {
            LibC.close(mnt);
            throw e;
        } finally {
            closeQuietly(fd);
        }
        return mnt;
    }

    /**
     * A filesystem mounted nowhere (fsopen/fsconfig/fsmount, Linux 5.2+) with the given string options (key,
     * value pairs), as a close-on-exec mount descriptor.
     *
     * @return the mount's descriptor, or -1 where the kernel lacks the new mount API or refuses an option
     */
    static int detachedMount(String fstype, String[] options, long attributes) {
        int fs = (int) LibC.syscall(LibC.SYS_FSOPEN, fstype, LibC.FSOPEN_CLOEXEC, 0, 0);
        if (fs < 0) return -1;
        try {
            for (int i = 0; i < options.length; i += 2) {
                if (LibC.syscall(LibC.SYS_FSCONFIG, fs, LibC.FSCONFIG_SET_STRING, options[i], options[i + 1], 0) < 0) return -1;
            }
            if (LibC.syscall(LibC.SYS_FSCONFIG, fs, LibC.FSCONFIG_CMD_CREATE, null, null, 0) < 0) return -1;
            return (int) LibC.syscall(LibC.SYS_FSMOUNT, fs, LibC.FSMOUNT_CLOEXEC, attributes, 0);
        } finally {
            LibC.close(fs);
        }
    }

    /** A read-only overlay of {@code lowerdir} (top layer first) mounted nowhere; fails naming {@code what}. */
    static int detachedOverlay(String lowerdir, String what) {
        int mnt = detachedMount("overlay", new String[] {"lowerdir", lowerdir},
                LibC.MOUNT_ATTR_RDONLY | LibC.MOUNT_ATTR_NOSUID | LibC.MOUNT_ATTR_NODEV);
        if (mnt < 0) throw lastError("fsopen/fsconfig/fsmount", "overlay for " + what + " (" + lowerdir + ")");
        return mnt;
    }

    /**
     * A copy of the mount tree at {@code path}, mounted nowhere, whose files' owners are seen through the
     * user namespace {@code usernsFd} (an idmapped mount, Linux 5.12+; on tmpfs 6.3+): an owner that is id N
     * in that namespace shows as the host id N maps to.
     */
    static int idmappedClone(String path, int usernsFd) {
        int fd = (int) LibC.syscall(LibC.SYS_OPEN_TREE, -100, path, LibC.OPEN_TREE_CLONE | LibC.O_CLOEXEC, 0);
        if (fd < 0) throw lastError("open_tree", path);
        long[] attr = {LibC.MOUNT_ATTR_IDMAP, 0, 0, usernsFd};
        if (LibC.syscall(LibC.SYS_MOUNT_SETATTR, fd, "", LibC.AT_EMPTY_PATH, attr, 32) < 0) {
            int e = com.sun.jna.Native.getLastError();
            LibC.close(fd);
            throw failure("mount_setattr(MOUNT_ATTR_IDMAP)", path, e);
        }
        return fd;
    }

    /** Attaches the detached mount {@code fd} at {@code target} in the calling thread's mount namespace. */
    static void moveMount(int fd, String target) {
        if (LibC.syscall(LibC.SYS_MOVE_MOUNT, fd, "", -100, target, LibC.MOVE_MOUNT_F_EMPTY_PATH) < 0) throw lastError("move_mount", target);
    }

    /** A pipe, both ends close-on-exec: [read, write]. */
    static int[] pipe() {
        int[] fds = new int[2];
        if (LibC.pipe2(fds, LibC.O_CLOEXEC) != 0) throw lastError("pipe2", "");
        return fds;
    }

    static int eventfd() {
        int fd = LibC.eventfd(0, LibC.EFD_CLOEXEC | LibC.EFD_NONBLOCK);
        if (fd < 0) throw lastError("eventfd", "");
        return fd;
    }

    static void closeQuietly(int fd) {
        if (fd >= 0) LibC.close(fd);
    }

    static void sethostname(String name) {
        byte[] b = name.getBytes(StandardCharsets.US_ASCII);
        if (LibC.sethostname(b, b.length) != 0) throw lastError("sethostname", name);
    }

    /**
     * Readies the calling thread's (new, private) network namespace: {@code lo} up, and the two settings that
     * would otherwise need capabilities the container drops, harmless in a namespace of its own: any port
     * may be bound, and anyone may open ICMP echo sockets ({@code ping}). /proc/sys/net shows the network
     * namespace of the task that opens it.
     */
    static void readyNetwork() {
        loopbackUp();
        writeExisting("/proc/sys/net/ipv4/ip_unprivileged_port_start", "0\n");
        writeExisting("/proc/sys/net/ipv4/ping_group_range", "0 2147483647\n");
    }

    /** Brings the loopback device of the calling thread's network namespace up; the kernel adds 127.0.0.1/8. */
    static void loopbackUp() {
        int s = LibC.socket(LibC.AF_INET, LibC.SOCK_DGRAM | LibC.SOCK_CLOEXEC, 0);
        if (s < 0) throw lastError("socket", "AF_INET");
        try {
            // struct ifreq: char ifr_name[16], then the union (ifr_flags is a short at offset 16); 40 bytes.
            byte[] ifr = new byte[40];
            ifr[0] = 'l';
            ifr[1] = 'o';
            if (LibC.ioctl(s, LibC.SIOCGIFFLAGS, ifr) != 0) throw lastError("ioctl", "SIOCGIFFLAGS lo");
            ifr[16] |= LibC.IFF_UP;
            if (LibC.ioctl(s, LibC.SIOCSIFFLAGS, ifr) != 0) throw lastError("ioctl", "SIOCSIFFLAGS lo");
        } finally {
            LibC.close(s);
        }
    }

    static void prlimit(int pid, int resource, long value, String name) {
        if (LibC.prlimit(pid, resource, new long[] {value, value}, null) != 0) throw lastError("prlimit", name);
    }

    static int pidfdOpen(int pid) {
        long fd = LibC.syscall(LibC.SYS_PIDFD_OPEN, pid, 0, 0, 0);
        if (fd < 0) throw lastError("pidfd_open", Integer.toString(pid));
        return (int) fd;
    }

    /** SIGKILL through a pidfd: never hits a recycled pid. Errors (the process is gone) are ignored. */
    static void pidfdKill(int pidfd) {
        LibC.syscall(LibC.SYS_PIDFD_SEND_SIGNAL, pidfd, LibC.SIGKILL, 0, 0);
    }

    /**
     * posix_spawn with the given descriptors dup2'ed onto 0, 1, 2 ... in order.
     *
     * @return the child's pid
     */
    static int spawn(String path, List<String> argv, List<String> env, int[] fds) {
        int[] moved = new int[fds.length];
        for (int i = 0; i < fds.length; i++) {
            // dup2 actions run in order: a source numbered below fds.length could be overwritten by an earlier one.
            moved[i] = fds[i] < fds.length ? LibC.fcntl(fds[i], LibC.F_DUPFD_CLOEXEC, fds.length) : -1;
            if (fds[i] < fds.length && moved[i] < 0) throw lastError("fcntl", "F_DUPFD_CLOEXEC");
        }
        try {
            return spawnWith(path, argv, env, fds, moved);
        } finally {
            for (int m : moved) closeQuietly(m);
        }
    }

    private static int spawnWith(String path, List<String> argv, List<String> env, int[] fds, int[] moved) {
        Memory actions = new Memory(128); // sizeof(posix_spawn_file_actions_t) is 80 on x86_64 glibc
        int rc = LibC.posix_spawn_file_actions_init(actions);
        if (rc != 0) throw failure("posix_spawn_file_actions_init", path, rc);
        try {
            for (int i = 0; i < fds.length; i++) {
                rc = LibC.posix_spawn_file_actions_adddup2(actions, moved[i] >= 0 ? moved[i] : fds[i], i);
                if (rc != 0) throw failure("posix_spawn_file_actions_adddup2", path, rc);
            }
            // UTF-8 whatever the JVM's locale: arguments and environment values may hold any text.
            StringArray args = new StringArray(argv.toArray(String[]::new), "UTF-8");
            StringArray envp = new StringArray(env.toArray(String[]::new), "UTF-8");
            int[] pid = new int[1];
            rc = LibC.posix_spawn(pid, path, actions, null, args, envp);
            if (rc != 0) throw failure("posix_spawn", path, rc);
            return pid[0];
        } finally {
            LibC.posix_spawn_file_actions_destroy(actions);
        }
    }
}
