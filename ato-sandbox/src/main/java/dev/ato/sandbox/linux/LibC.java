package dev.ato.sandbox.linux;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;

/**
 * The libc calls the sandbox makes, one method per call, bound with JNA direct mapping (primitives, arrays,
 * strings and {@link Pointer} only). Each returns what libc returns; on failure the caller reads
 * {@link Native#getLastError()}, which JNA saves per thread right after every call. {@link Sys} turns
 * failures into exceptions that name the call, the errno and the path.
 *
 * <p>x86_64 Linux only (flag values and syscall numbers below are that ABI's).
 */
final class LibC {
    static final int O_RDONLY = 0;
    static final int O_WRONLY = 1;
    static final int O_RDWR = 2;
    static final int O_CREAT = 0x40;
    static final int O_EXCL = 0x80;
    static final int O_TRUNC = 0x200;
    static final int O_NONBLOCK = 0x800;
    static final int O_DIRECTORY = 0x10000;
    static final int O_NOFOLLOW = 0x20000;
    static final int O_CLOEXEC = 0x80000;
    static final int O_PATH = 0x200000;

    static final int CLONE_NEWNS = 0x00020000;
    static final int CLONE_NEWCGROUP = 0x02000000;
    static final int CLONE_NEWUTS = 0x04000000;
    static final int CLONE_NEWIPC = 0x08000000;
    static final int CLONE_NEWUSER = 0x10000000;
    static final int CLONE_NEWPID = 0x20000000;
    static final int CLONE_NEWNET = 0x40000000;

    static final long MS_RDONLY = 1;
    static final long MS_NOSUID = 2;
    static final long MS_NODEV = 4;
    static final long MS_NOEXEC = 8;
    static final long MS_REMOUNT = 32;
    static final long MS_BIND = 4096;
    static final long MS_REC = 16384;
    static final long MS_PRIVATE = 1 << 18;

    static final int F_DUPFD_CLOEXEC = 1030;
    static final int F_ADD_SEALS = 1033;
    static final int F_SEAL_SEAL = 1;
    static final int F_SEAL_SHRINK = 2;
    static final int F_SEAL_GROW = 4;
    static final int F_SEAL_WRITE = 8;
    static final int MFD_CLOEXEC = 1;
    static final int MFD_ALLOW_SEALING = 2;
    static final int MFD_EXEC = 0x10;

    static final int S_IFCHR = 0020000;

    static final short POLLIN = 1;
    static final short POLLERR = 8;
    static final short POLLHUP = 16;
    static final short POLLNVAL = 32;

    static final int WNOHANG = 1;
    static final int SIGKILL = 9;

    static final int RLIMIT_FSIZE = 1;
    static final int RLIMIT_CORE = 4;
    static final int RLIMIT_NOFILE = 7;
    static final int RLIMIT_MEMLOCK = 8;
    static final int RLIMIT_LOCKS = 10;
    static final int RLIMIT_SIGPENDING = 11;
    static final int RLIMIT_MSGQUEUE = 12;

    static final int AF_INET = 2;
    static final int SOCK_DGRAM = 2;
    static final int SOCK_CLOEXEC = O_CLOEXEC;
    static final long SIOCGIFFLAGS = 0x8913;
    static final long SIOCSIFFLAGS = 0x8914;
    static final short IFF_UP = 1;

    static final int EFD_CLOEXEC = O_CLOEXEC;
    static final int EFD_NONBLOCK = O_NONBLOCK;

    static final int LOCK_SH = 1;
    static final int LOCK_EX = 2;
    static final int LOCK_NB = 4;

    static final long SYS_FSOPEN = 430;
    static final long SYS_FSCONFIG = 431;
    static final long SYS_FSMOUNT = 432;
    static final int FSOPEN_CLOEXEC = 1;
    static final int FSMOUNT_CLOEXEC = 1;
    static final int FSCONFIG_SET_STRING = 1;
    static final int FSCONFIG_CMD_CREATE = 6;
    static final int MOUNT_ATTR_NOSUID = 2;
    static final int MOUNT_ATTR_NODEV = 4;

    static final long SYS_PIDFD_SEND_SIGNAL = 424;
    static final long SYS_PIDFD_OPEN = 434;

    static {
        Native.register(LibC.class, NativeLibrary.getInstance(Platform.C_LIBRARY_NAME));
    }

    private LibC() { }

    /** @see <a href="https://man7.org/linux/man-pages/man2/flock.2.html">flock(2)</a> */
    static native int flock(int fd, int operation);

    /** @see <a href="https://man7.org/linux/man-pages/man2/rmdir.2.html">rmdir(2)</a> */
    static native int rmdir(String path);

    /** @see <a href="https://man7.org/linux/man-pages/man2/unshare.2.html">unshare(2)</a> */
    static native int unshare(int flags);

    /** @see <a href="https://man7.org/linux/man-pages/man2/setns.2.html">setns(2)</a> */
    static native int setns(int fd, int nstype);

    /** @see <a href="https://man7.org/linux/man-pages/man2/mount.2.html">mount(2)</a> */
    static native int mount(String source, String target, String fstype, long flags, String data);

    /** @see <a href="https://man7.org/linux/man-pages/man2/mkdir.2.html">mkdir(2)</a> */
    static native int mkdir(String path, int mode);

    /** @see <a href="https://man7.org/linux/man-pages/man2/mknod.2.html">mknod(2)</a> */
    static native int mknod(String path, int mode, long dev);

    /** @see <a href="https://man7.org/linux/man-pages/man2/symlink.2.html">symlink(2)</a> */
    static native int symlink(String target, String linkpath);

    /** @see <a href="https://man7.org/linux/man-pages/man2/lchown.2.html">lchown(2)</a> */
    static native int lchown(String path, int uid, int gid);

    /** @see <a href="https://man7.org/linux/man-pages/man2/open.2.html">open(2)</a> */
    static native int open(String path, int flags, int mode);

    /** @see <a href="https://man7.org/linux/man-pages/man2/read.2.html">read(2)</a> */
    static native long read(int fd, byte[] buf, long count);

    /** @see <a href="https://man7.org/linux/man-pages/man2/write.2.html">write(2)</a> */
    static native long write(int fd, byte[] buf, long count);

    /** @see <a href="https://man7.org/linux/man-pages/man2/close.2.html">close(2)</a> */
    static native int close(int fd);

    /** @see <a href="https://man7.org/linux/man-pages/man2/fcntl.2.html">fcntl(2)</a> */
    static native int fcntl(int fd, int cmd, int arg);

    /** @see <a href="https://man7.org/linux/man-pages/man2/memfd_create.2.html">memfd_create(2)</a> */
    static native int memfd_create(String name, int flags);

    /** @see <a href="https://man7.org/linux/man-pages/man2/chown.2.html">fchown(2)</a> */
    static native int fchown(int fd, int uid, int gid);

    /** @see <a href="https://man7.org/linux/man-pages/man2/umask.2.html">umask(2)</a> */
    static native int umask(int mask);

    /** @see <a href="https://man7.org/linux/man-pages/man2/pipe.2.html">pipe2(2)</a> */
    static native int pipe2(int[] fds, int flags);

    /** @see <a href="https://man7.org/linux/man-pages/man2/eventfd.2.html">eventfd(2)</a> */
    static native int eventfd(int initval, int flags);

    /** @see <a href="https://man7.org/linux/man-pages/man2/sethostname.2.html">sethostname(2)</a> */
    static native int sethostname(byte[] name, long len);

    /** @see <a href="https://man7.org/linux/man-pages/man2/socket.2.html">socket(2)</a> */
    static native int socket(int domain, int type, int protocol);

    /** @see <a href="https://man7.org/linux/man-pages/man7/netdevice.7.html">ioctl(2) on a socket, netdevice(7)</a> */
    static native int ioctl(int fd, long request, byte[] arg);

    /** @see <a href="https://man7.org/linux/man-pages/man2/prlimit.2.html">prlimit(2)</a> */
    static native int prlimit(int pid, int resource, long[] newLimit, long[] oldLimit);

    /** @see <a href="https://man7.org/linux/man-pages/man2/poll.2.html">poll(2)</a>; each pollfd is two ints. */
    static native int poll(int[] fds, long nfds, int timeoutMillis);

    /** @see <a href="https://man7.org/linux/man-pages/man2/waitpid.2.html">waitpid(2)</a> */
    static native int waitpid(int pid, int[] status, int options);

    /** @see <a href="https://man7.org/linux/man-pages/man2/kill.2.html">kill(2)</a> */
    static native int kill(int pid, int sig);

    /** @see <a href="https://man7.org/linux/man-pages/man2/geteuid.2.html">geteuid(2)</a> */
    static native int geteuid();

    /** @see <a href="https://man7.org/linux/man-pages/man2/syscall.2.html">syscall(2)</a>, for calls glibc 2.36 lacks */
    static native long syscall(long number, long a, long b, long c, long d);

    /** syscall(2) with a string first argument: fsopen(2). */
    static native long syscall(long number, String a, long b, long c, long d);

    /** syscall(2) shaped for fsconfig(2): fd, command, key, value, aux. */
    static native long syscall(long number, long a, long b, String c, String d, long e);

    /** @see <a href="https://man7.org/linux/man-pages/man2/openat.2.html">openat(2)</a> */
    static native int openat(int dirfd, String path, int flags, int mode);

    /** @see <a href="https://man7.org/linux/man-pages/man2/fchmod.2.html">fchmod(2)</a> */
    static native int fchmod(int fd, int mode);

    /**
     * Returns an error number, not -1 and errno.
     *
     * @see <a href="https://man7.org/linux/man-pages/man3/posix_spawn.3.html">posix_spawn(3)</a>
     */
    static native int posix_spawn(int[] pid, String path, Pointer fileActions, Pointer attr, Pointer argv, Pointer envp);

    /** @see <a href="https://man7.org/linux/man-pages/man3/posix_spawn_file_actions_init.3.html">posix_spawn_file_actions_init(3)</a> */
    static native int posix_spawn_file_actions_init(Pointer fileActions);

    /** @see <a href="https://man7.org/linux/man-pages/man3/posix_spawn_file_actions_adddup2.3.html">posix_spawn_file_actions_adddup2(3)</a> */
    static native int posix_spawn_file_actions_adddup2(Pointer fileActions, int fd, int newfd);

    /** @see <a href="https://man7.org/linux/man-pages/man3/posix_spawn_file_actions_init.3.html">posix_spawn_file_actions_destroy(3)</a> */
    static native int posix_spawn_file_actions_destroy(Pointer fileActions);
}
