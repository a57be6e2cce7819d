package dev.ato.sandbox.nativeaccess;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;

/**
 * The libc calls the project makes, one method per call, bound with JNA direct mapping (primitives, arrays,
 * strings and {@link Pointer} only). Each returns what libc returns; on failure the operations of this
 * package read {@link #errno()}, which JNA saves per thread right after every call. The one binding of the
 * project: the natives are package-private, so the container code, the cgroup drivers, ato-rootfs's layer
 * extraction and the server's sd_notify all go through the operations ({@link Sys}, {@link Mounts},
 * {@link AtFiles}), which throw a {@link NativeException} naming the call, the errno and the path. The
 * constants are public: callers pass flags (CLONE_*, MS_*, RLIMIT_*) to those operations.
 *
 * <p>x86_64 Linux only (flag values and syscall numbers below are that ABI's).
 */
public final class LibC {
    public static final int O_RDONLY = 0;
    public static final int O_WRONLY = 1;
    public static final int O_RDWR = 2;
    public static final int O_CREAT = 0x40;
    public static final int O_EXCL = 0x80;
    public static final int O_TRUNC = 0x200;
    public static final int O_NONBLOCK = 0x800;
    public static final int O_DIRECTORY = 0x10000;
    public static final int O_NOFOLLOW = 0x20000;
    public static final int O_CLOEXEC = 0x80000;
    public static final int O_PATH = 0x200000;

    public static final int CLONE_NEWNS = 0x00020000;
    public static final int CLONE_NEWCGROUP = 0x02000000;
    public static final int CLONE_NEWUTS = 0x04000000;
    public static final int CLONE_NEWIPC = 0x08000000;
    public static final int CLONE_NEWUSER = 0x10000000;
    public static final int CLONE_NEWPID = 0x20000000;
    public static final int CLONE_NEWNET = 0x40000000;

    public static final long MS_RDONLY = 1;
    public static final long MS_NOSUID = 2;
    public static final long MS_NODEV = 4;
    public static final long MS_NOEXEC = 8;
    public static final long MS_REMOUNT = 32;
    public static final long MS_BIND = 4096;
    public static final long MS_REC = 16384;
    public static final long MS_PRIVATE = 1 << 18;

    public static final int F_DUPFD_CLOEXEC = 1030;
    public static final int F_ADD_SEALS = 1033;
    public static final int F_SEAL_SEAL = 1;
    public static final int F_SEAL_SHRINK = 2;
    public static final int F_SEAL_GROW = 4;
    public static final int F_SEAL_WRITE = 8;
    public static final int MFD_CLOEXEC = 1;
    public static final int MFD_ALLOW_SEALING = 2;
    public static final int MFD_EXEC = 0x10;

    public static final int AT_FDCWD = -100;
    public static final int AT_SYMLINK_NOFOLLOW = 0x100;
    public static final int AT_REMOVEDIR = 0x200;
    public static final int F_OK = 0;

    public static final int S_IFMT = 0170000;
    public static final int S_IFDIR = 0040000;
    public static final int S_IFCHR = 0020000;
    public static final int S_IFIFO = 0010000;
    /** Offset of st_mode in struct stat: x86_64 puts st_nlink (8 bytes) before it, the generic layout a 4-byte one. */
    static final int ST_MODE_OFFSET = Platform.isIntel() ? 24 : 16;
    /** Room for struct stat (144 bytes on x86_64, 128 in the generic layout), with a margin. */
    static final int STAT_BUFFER = 256;
    /** Offset of d_name in struct dirent64 (d_ino 8, d_off 8, d_reclen 2, d_type 1). */
    static final int D_NAME_OFFSET = 19;
    /** sizeof(struct statvfs) on x86_64 glibc is 112; every field up to f_namemax is an unsigned long. */
    static final int STATVFS_SIZE = 128;
    static final int F_FRSIZE_OFFSET = 8;
    static final int F_BAVAIL_OFFSET = 32;
    static final int F_FILES_OFFSET = 40;
    static final int F_FAVAIL_OFFSET = 56;

    public static final short POLLIN = 1;
    public static final short POLLERR = 8;
    public static final short POLLHUP = 16;
    public static final short POLLNVAL = 32;

    public static final int WNOHANG = 1;
    public static final int SIGKILL = 9;

    public static final int RLIMIT_FSIZE = 1;
    public static final int RLIMIT_CORE = 4;
    public static final int RLIMIT_NOFILE = 7;
    public static final int RLIMIT_MEMLOCK = 8;
    public static final int RLIMIT_LOCKS = 10;
    public static final int RLIMIT_SIGPENDING = 11;
    public static final int RLIMIT_MSGQUEUE = 12;

    public static final int AF_UNIX = 1;
    public static final int AF_INET = 2;
    public static final int MSG_NOSIGNAL = 0x4000;
    /** sizeof(sockaddr_un.sun_path). */
    public static final int SUN_PATH_MAX = 108;
    public static final int SOCK_DGRAM = 2;
    public static final int SOCK_CLOEXEC = O_CLOEXEC;
    public static final long SIOCGIFFLAGS = 0x8913;
    public static final long SIOCSIFFLAGS = 0x8914;
    public static final short IFF_UP = 1;

    public static final int EFD_CLOEXEC = O_CLOEXEC;
    public static final int EFD_NONBLOCK = O_NONBLOCK;

    public static final int LOCK_SH = 1;
    public static final int LOCK_EX = 2;
    public static final int LOCK_NB = 4;

    public static final long SYS_FSOPEN = 430;
    public static final long SYS_FSCONFIG = 431;
    public static final long SYS_FSMOUNT = 432;
    public static final int FSOPEN_CLOEXEC = 1;
    public static final int FSMOUNT_CLOEXEC = 1;
    public static final int FSCONFIG_SET_STRING = 1;
    public static final int FSCONFIG_CMD_CREATE = 6;
    public static final long SYS_OPEN_TREE = 428;
    public static final long SYS_MOVE_MOUNT = 429;
    public static final long SYS_MOUNT_SETATTR = 442;
    public static final int OPEN_TREE_CLONE = 1;
    public static final int AT_EMPTY_PATH = 0x1000;
    public static final int MOVE_MOUNT_F_EMPTY_PATH = 4;
    public static final long MOUNT_ATTR_IDMAP = 0x100000;
    public static final int MOUNT_ATTR_RDONLY = 1;
    public static final int MOUNT_ATTR_NOSUID = 2;
    public static final int MOUNT_ATTR_NODEV = 4;

    public static final long SYS_PIDFD_SEND_SIGNAL = 424;
    public static final long SYS_PIDFD_OPEN = 434;

    static {
        Native.register(LibC.class, NativeLibrary.getInstance(Platform.C_LIBRARY_NAME));
    }

    private LibC() { }

    /** errno of the last failed call on this thread, as JNA saved it right after that call. */
    static int errno() {
        return Native.getLastError();
    }

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

    /** @see <a href="https://man7.org/linux/man-pages/man2/mknodat.2.html">mknodat(2)</a> */
    static native int mknodat(int dirfd, String path, int mode, long dev);

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

    /** @see <a href="https://man7.org/linux/man-pages/man2/sendto.2.html">sendto(2)</a>; {@code addr} is a struct sockaddr's bytes. */
    static native long sendto(int fd, byte[] buf, long len, int flags, byte[] addr, int addrlen);

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

    /** syscall(2) shaped for open_tree(2): dirfd, path, flags. */
    static native long syscall(long number, long a, String b, long c, long d);

    /** syscall(2) shaped for mount_setattr(2): dirfd, path, flags, struct mount_attr (4 x u64), size. */
    static native long syscall(long number, long a, String b, long c, long[] d, long e);

    /** syscall(2) shaped for move_mount(2): from dirfd, from path, to dirfd, to path, flags. */
    static native long syscall(long number, long a, String b, long c, String d, long e);

    /** syscall(2) shaped for fsconfig(2): fd, command, key, value, aux. */
    static native long syscall(long number, long a, long b, String c, String d, long e);

    /** @see <a href="https://man7.org/linux/man-pages/man2/openat.2.html">openat(2)</a> */
    static native int openat(int dirfd, String path, int flags, int mode);

    /** @see <a href="https://man7.org/linux/man-pages/man2/mkdirat.2.html">mkdirat(2)</a> */
    static native int mkdirat(int dirfd, String path, int mode);

    /** @see <a href="https://man7.org/linux/man-pages/man2/unlinkat.2.html">unlinkat(2)</a> */
    static native int unlinkat(int dirfd, String path, int flags);

    /** @see <a href="https://man7.org/linux/man-pages/man2/faccessat.2.html">faccessat(2)</a> */
    static native int faccessat(int dirfd, String path, int mode, int flags);

    /** @see <a href="https://man7.org/linux/man-pages/man2/fchmod.2.html">fchmod(2)</a> */
    static native int fchmod(int fd, int mode);

    // The dirfd-relative calls of layer extraction take names as NUL-terminated bytes (AtFiles.cstring), so a
    // name reaches the kernel exactly as a layer spells it whatever the JVM's locale.

    /** @see <a href="https://man7.org/linux/man-pages/man2/openat.2.html">openat(2)</a> */
    static native int openat(int dirfd, byte[] path, int flags, int mode);

    /** @see <a href="https://man7.org/linux/man-pages/man2/mkdirat.2.html">mkdirat(2)</a> */
    static native int mkdirat(int dirfd, byte[] path, int mode);

    /** @see <a href="https://man7.org/linux/man-pages/man2/symlinkat.2.html">symlinkat(2)</a> */
    static native int symlinkat(byte[] target, int dirfd, byte[] linkpath);

    /** @see <a href="https://man7.org/linux/man-pages/man2/linkat.2.html">linkat(2)</a> */
    static native int linkat(int olddirfd, byte[] oldpath, int newdirfd, byte[] newpath, int flags);

    /** @see <a href="https://man7.org/linux/man-pages/man2/mknodat.2.html">mknodat(2)</a> */
    static native int mknodat(int dirfd, byte[] path, int mode, long dev);

    /** @see <a href="https://man7.org/linux/man-pages/man2/unlinkat.2.html">unlinkat(2)</a> */
    static native int unlinkat(int dirfd, byte[] path, int flags);

    /** @see <a href="https://man7.org/linux/man-pages/man2/fchownat.2.html">fchownat(2)</a> */
    static native int fchownat(int dirfd, byte[] path, int uid, int gid, int flags);

    /** @see <a href="https://man7.org/linux/man-pages/man2/fchmodat.2.html">fchmodat(2)</a> */
    static native int fchmodat(int dirfd, byte[] path, int mode, int flags);

    /** times = {atime_sec, atime_nsec, mtime_sec, mtime_nsec}. @see <a href="https://man7.org/linux/man-pages/man2/utimensat.2.html">utimensat(2)</a> */
    static native int utimensat(int dirfd, byte[] path, long[] times, int flags);

    /** @see <a href="https://man7.org/linux/man-pages/man3/futimens.3.html">futimens(3)</a> */
    static native int futimens(int fd, long[] times);

    /** @see <a href="https://man7.org/linux/man-pages/man2/fsetxattr.2.html">fsetxattr(2)</a> */
    static native int fsetxattr(int fd, byte[] name, byte[] value, long size, int flags);

    /** @see <a href="https://man7.org/linux/man-pages/man2/lgetxattr.2.html">lgetxattr(2)</a> */
    static native long lgetxattr(byte[] path, byte[] name, byte[] value, long size);

    /** @see <a href="https://man7.org/linux/man-pages/man2/fstatat.2.html">fstatat(2)</a> */
    static native int fstatat(int dirfd, byte[] path, byte[] statbuf, int flags);

    /** Writes at an offset without moving the file position; a direct buffer is passed by address. @see <a href="https://man7.org/linux/man-pages/man2/pwrite.2.html">pwrite(2)</a> */
    static native long pwrite(int fd, java.nio.ByteBuffer directBuf, long count, long offset);

    /** @see <a href="https://man7.org/linux/man-pages/man2/ftruncate.2.html">ftruncate(2)</a> */
    static native int ftruncate(int fd, long length);

    /** @see <a href="https://man7.org/linux/man-pages/man3/statvfs.3.html">statvfs(3)</a> */
    static native int statvfs(byte[] path, byte[] buf);

    /** @see <a href="https://man7.org/linux/man-pages/man2/syncfs.2.html">syncfs(2)</a> */
    static native int syncfs(int fd);

    /** @see <a href="https://man7.org/linux/man-pages/man2/fsync.2.html">fsync(2)</a> */
    static native int fsync(int fd);

    /** Takes ownership of fd. @see <a href="https://man7.org/linux/man-pages/man3/fdopendir.3.html">fdopendir(3)</a> */
    static native Pointer fdopendir(int fd);

    /** @see <a href="https://man7.org/linux/man-pages/man3/readdir.3.html">readdir(3)</a> */
    static native Pointer readdir(Pointer dir);

    /** @see <a href="https://man7.org/linux/man-pages/man3/closedir.3.html">closedir(3)</a> */
    static native int closedir(Pointer dir);

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
