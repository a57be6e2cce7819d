package dev.ato.sandbox.nativeaccess;

import java.nio.charset.StandardCharsets;

/**
 * Descriptors and files by path at the level of intent: each either succeeds or throws a {@link
 * NativeException} that names the call, the errno and what it was applied to, e.g. {@code
 * open(/run/ato/3f2c/root): ELOOP}, except where a method says it answers or ignores errors. The other
 * operations: {@link Mounts}, {@link Processes}, {@link Namespaces}, and {@link AtFiles} for trees reached
 * through directory descriptors.
 */
public final class Sys {
    private Sys() { }

    /** A failure of {@code call} on {@code what} with {@code errno}. */
    public static NativeException failure(String call, String what, int errno) {
        return new NativeException(call, what, errno);
    }

    /** A failure of {@code call} on {@code what} with the errno the last call on this thread left. */
    static NativeException lastError(String call, String what) {
        return failure(call, what, LibC.errno());
    }

    /** mkdir that answers instead of throwing. @return whether the directory was made (false: it exists, or another error) */
    public static boolean tryMkdir(String path, int mode) {
        return LibC.mkdir(path, mode) == 0;
    }

    /** rmdir that answers instead of throwing (ENOTEMPTY, EBUSY: the directory stays). @return whether it was removed */
    public static boolean tryRmdir(String path) {
        return LibC.rmdir(path) == 0;
    }

    /** Gives the entry at {@code path} itself (a symlink is not followed) to uid:gid. */
    public static void lchown(String path, int uid, int gid) {
        if (LibC.lchown(path, uid, gid) != 0) throw lastError("lchown", path);
    }

    /** A directory (read-only, close-on-exec), refusing a symlink as its last component. */
    public static int openDirectory(String path) {
        int fd = LibC.open(path, LibC.O_RDONLY | LibC.O_DIRECTORY | LibC.O_NOFOLLOW | LibC.O_CLOEXEC, 0);
        if (fd < 0) throw lastError("open", path);
        return fd;
    }

    /** Gives the open file (a pipe end, a directory) to uid:gid. */
    public static void fchown(int fd, int uid, int gid, String what) {
        if (LibC.fchown(fd, uid, gid) != 0) throw lastError("fchown", what);
    }

    /** A shared flock(2) on {@code fd}, waiting for an exclusive holder to let go. */
    public static void lockShared(int fd, String what) {
        if (LibC.flock(fd, LibC.LOCK_SH) != 0) throw lastError("flock", what);
    }

    /** An exclusive flock(2) on {@code fd} if nobody holds a lock on it. @return whether it was taken */
    public static boolean tryLockExclusive(int fd) {
        return LibC.flock(fd, LibC.LOCK_EX | LibC.LOCK_NB) == 0;
    }

    /**
     * One read(2) of at most {@code count} bytes into the start of {@code buf}, for a loop that polls.
     *
     * @return the bytes read; 0 at the end of the stream or on an error (either way it is done); -1 where
     *     nothing is there yet (EAGAIN, EINTR)
     */
    public static int readOrEnd(int fd, byte[] buf, int count) {
        long n = LibC.read(fd, buf, count);
        if (n >= 0) return (int) n;
        int e = LibC.errno();
        return e == Errno.EINTR || e == Errno.EAGAIN ? -1 : 0;
    }

    /**
     * One read(2) into {@code buf} from {@code offset} to its end, retried on EINTR.
     *
     * @return the bytes read, 0 at the end of the file
     */
    public static int read(int fd, byte[] buf, int offset, String what) {
        // Direct mapping passes whole arrays: past the first read, read into a scratch array.
        byte[] into = offset == 0 ? buf : new byte[buf.length - offset];
        while (true) {
            long n = LibC.read(fd, into, into.length);
            if (n < 0) {
                if (LibC.errno() == Errno.EINTR) continue;
                throw lastError("read", what);
            }
            if (n > 0 && into != buf) System.arraycopy(into, 0, buf, offset, (int) n);
            return (int) n;
        }
    }

    /**
     * One write(2) of all of {@code data}, for files the kernel parses per write (cgroup control files: a
     * value split in two would be two values).
     *
     * @throws NativeException with {@link Errno#EIO_SHORT} where the kernel took fewer bytes
     */
    public static void writeOnce(int fd, byte[] data, String what) {
        long n = LibC.write(fd, data, data.length);
        if (n < 0) throw lastError("write", what);
        if (n != data.length) throw failure("write", what, Errno.EIO_SHORT);
    }

    /** Adds 1 to an eventfd(2) counter, waking whoever polls it. Errors are ignored (a full counter wakes anyway). */
    public static void signalEventfd(int fd) {
        LibC.write(fd, new byte[] {1, 0, 0, 0, 0, 0, 0, 0}, 8); // an 8-byte native-endian increment
    }

    /** Resets an eventfd(2) counter (one 8-byte read). Errors are ignored: a non-blocking eventfd at 0 says EAGAIN. */
    public static void drainEventfd(int fd) {
        LibC.read(fd, new byte[8], 8);
    }

    /**
     * poll(2) on {@code pollfds}: pairs of ints, the fd and then (events | revents << 16), as struct pollfd lies
     * in memory on little-endian machines.
     *
     * @return how many are ready; 0 on a timeout or an interrupted wait (EINTR)
     */
    public static int poll(int[] pollfds, int count, int timeoutMillis, String what) {
        int n = LibC.poll(pollfds, count, timeoutMillis);
        if (n >= 0) return n;
        if (LibC.errno() == Errno.EINTR) return 0;
        throw lastError("poll", what);
    }

    /**
     * Sends one datagram to the AF_UNIX socket at {@code socketPath} (a leading {@code @} names the abstract
     * namespace), as sd_notify does: the JDK has no Unix datagram channel.
     *
     * @throws IllegalArgumentException when the path does not fit in sockaddr_un
     */
    public static void sendDatagram(String socketPath, byte[] message) {
        byte[] path = socketPath.getBytes(StandardCharsets.UTF_8);
        if (path.length == 0 || path.length >= LibC.SUN_PATH_MAX) {
            throw new IllegalArgumentException("not a socket path that fits sockaddr_un: " + socketPath);
        }
        byte[] addr = new byte[2 + LibC.SUN_PATH_MAX];
        addr[0] = LibC.AF_UNIX; // sa_family_t, little-endian
        System.arraycopy(path, 0, addr, 2, path.length);
        int addrLen = 2 + path.length;
        if (path[0] == '@') {
            addr[2] = 0; // the abstract namespace: no trailing NUL counted
        } else {
            addrLen++; // the path's NUL
        }
        int fd = LibC.socket(LibC.AF_UNIX, LibC.SOCK_DGRAM | LibC.SOCK_CLOEXEC, 0);
        if (fd < 0) throw lastError("socket", "AF_UNIX, SOCK_DGRAM");
        try {
            long n = LibC.sendto(fd, message, message.length, LibC.MSG_NOSIGNAL, addr, addrLen);
            if (n < 0) throw lastError("sendto", socketPath);
            if (n != message.length) throw failure("sendto", socketPath, Errno.EIO_SHORT);
        } finally {
            LibC.close(fd);
        }
    }

    /** Makes a directory (the umask applies). */
    public static void mkdir(String path, int mode) {
        if (LibC.mkdir(path, mode) != 0) throw lastError("mkdir", path);
    }

    /** mkdir, then lchown (the owner of the directory a tmpfs/overlay mount point shows). */
    public static void mkdirOwned(String path, int mode, int uid, int gid) {
        mkdir(path, mode);
        if (LibC.lchown(path, uid, gid) != 0) throw lastError("lchown", path);
    }

    /** Makes a character device node {@code major:minor}. */
    public static void mknodChar(String path, int mode, int major, int minor) {
        long dev = ((long) (major & 0xfff) << 8) | (minor & 0xff) | ((long) (minor & ~0xff) << 12);
        if (LibC.mknod(path, LibC.S_IFCHR | mode, dev) != 0) throw lastError("mknod", path);
    }

    /** Makes a symlink at {@code linkpath} to {@code target}. */
    public static void symlink(String target, String linkpath) {
        if (LibC.symlink(target, linkpath) != 0) throw lastError("symlink", linkpath);
    }

    /**
     * Creates a new file (never through a symlink, never over an existing one), writes all of it and gives
     * it to the owner.
     */
    public static void writeNewFile(String path, byte[] data, int mode, int uid, int gid) {
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
    public static void writeExisting(String path, String text) {
        int fd = LibC.open(path, LibC.O_WRONLY | LibC.O_NOFOLLOW | LibC.O_CLOEXEC, 0);
        if (fd < 0) throw lastError("open", path);
        try {
            writeAll(fd, text.getBytes(StandardCharsets.US_ASCII), path);
        } finally {
            LibC.close(fd);
        }
    }

    /** Writes all of {@code data}, in as many write(2) calls as the kernel needs, retrying on EINTR. */
    public static void writeAll(int fd, byte[] data, String what) {
        int off = 0;
        byte[] rest = data;
        while (off < data.length) {
            if (off > 0) rest = java.util.Arrays.copyOfRange(data, off, data.length);
            long n = LibC.write(fd, rest, rest.length);
            if (n < 0) {
                if (LibC.errno() == Errno.EINTR) continue;
                throw lastError("write", what);
            }
            off += (int) n;
        }
    }

    /**
     * An O_PATH descriptor of a directory, to hand the kernel as /proc/self/fd/N. {@code noFollow}: refuse a
     * symlink as the last component (for the sandbox's own mount points).
     */
    public static int openPath(String path, boolean noFollow) {
        int fd = LibC.open(path, LibC.O_PATH | LibC.O_DIRECTORY | LibC.O_CLOEXEC | (noFollow ? LibC.O_NOFOLLOW : 0), 0);
        if (fd < 0) throw lastError("open", path);
        return fd;
    }

    /** Opens a file for reading, never through a symlink as its last component. */
    public static int openRead(String path) {
        int fd = LibC.open(path, LibC.O_RDONLY | LibC.O_NOFOLLOW | LibC.O_CLOEXEC, 0);
        if (fd < 0) throw lastError("open", path);
        return fd;
    }

    /** Opens a namespace file: /proc's ns entries are magic links, so O_NOFOLLOW would refuse them. */
    public static int openNamespace(String path) {
        int fd = LibC.open(path, LibC.O_RDONLY | LibC.O_CLOEXEC, 0);
        if (fd < 0) throw lastError("open", path);
        return fd;
    }

    /**
     * An executable, sealed in-memory copy of a program, at a descriptor numbered 10 or more (above the
     * descriptors a spawn sets up). Executed as {@code /proc/self/fd/N}, it does not depend on the mount
     * options of the state directory (Debian's and Ubuntu's /run is noexec).
     */
    public static int sealedExecutable(String name, byte[] content) {
        int fd = LibC.memfd_create(name, LibC.MFD_CLOEXEC | LibC.MFD_ALLOW_SEALING | LibC.MFD_EXEC);
        if (fd < 0 && LibC.errno() == Errno.EINVAL) {
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

    /** A pipe, both ends close-on-exec: [read, write]. */
    public static int[] pipe() {
        int[] fds = new int[2];
        if (LibC.pipe2(fds, LibC.O_CLOEXEC) != 0) throw lastError("pipe2", "");
        return fds;
    }

    /** A non-blocking, close-on-exec eventfd(2) counting from 0. */
    public static int eventfd() {
        int fd = LibC.eventfd(0, LibC.EFD_CLOEXEC | LibC.EFD_NONBLOCK);
        if (fd < 0) throw lastError("eventfd", "");
        return fd;
    }

    /** Closes {@code fd} where it is one (>= 0); errors are ignored: on Linux the descriptor is gone either way. */
    public static void closeQuietly(int fd) {
        if (fd >= 0) LibC.close(fd);
    }
}
