package dev.ato.sandbox.cgroup;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;

/**
 * The few libc calls the cgroup drivers make, bound with JNA direct mapping (primitives, arrays and
 * strings only). Each returns what libc returns; on -1 the caller reads {@link Native#getLastError()},
 * which JNA saves per thread right after the call.
 */
final class CgroupNative {
    static final int O_RDONLY = 0;
    static final int O_WRONLY = 1;
    static final int O_DIRECTORY = 0x10000;
    static final int O_NOFOLLOW = 0x20000;
    static final int O_CLOEXEC = 0x80000;
    static final int O_PATH = 0x200000;
    static final int AT_REMOVEDIR = 0x200;
    static final int AT_SYMLINK_NOFOLLOW = 0x100;
    static final int F_OK = 0;
    static final int SIGKILL = 9;

    /** pidfd_send_signal(2) and pidfd_open(2) have the same number on every architecture (added after 5.0's unification). */
    static final long SYS_PIDFD_SEND_SIGNAL = 424;
    static final long SYS_PIDFD_OPEN = 434;

    static {
        Native.register(CgroupNative.class, NativeLibrary.getInstance(Platform.C_LIBRARY_NAME));
    }

    private CgroupNative() { }

    /** @see <a href="https://man7.org/linux/man-pages/man2/open.2.html">open(2)</a> */
    static native int open(String path, int flags, int mode);

    /** @see <a href="https://man7.org/linux/man-pages/man2/openat.2.html">openat(2)</a> */
    static native int openat(int dirfd, String path, int flags, int mode);

    /** @see <a href="https://man7.org/linux/man-pages/man2/mkdirat.2.html">mkdirat(2)</a> */
    static native int mkdirat(int dirfd, String path, int mode);

    /** @see <a href="https://man7.org/linux/man-pages/man2/unlinkat.2.html">unlinkat(2)</a> */
    static native int unlinkat(int dirfd, String path, int flags);

    /** @see <a href="https://man7.org/linux/man-pages/man2/faccessat.2.html">faccessat(2)</a> */
    static native int faccessat(int dirfd, String path, int mode, int flags);

    /** @see <a href="https://man7.org/linux/man-pages/man2/read.2.html">read(2)</a> */
    static native long read(int fd, byte[] buf, long count);

    /** @see <a href="https://man7.org/linux/man-pages/man2/write.2.html">write(2)</a> */
    static native long write(int fd, byte[] buf, long count);

    /** @see <a href="https://man7.org/linux/man-pages/man2/close.2.html">close(2)</a> */
    static native int close(int fd);

    /** @see <a href="https://man7.org/linux/man-pages/man2/kill.2.html">kill(2)</a> */
    static native int kill(int pid, int sig);

    /**
     * syscall(2) with four arguments (unused ones 0), for pidfd_open and pidfd_send_signal, which older glibc lacks.
     * @see <a href="https://man7.org/linux/man-pages/man2/syscall.2.html">syscall(2)</a>
     */
    static native long syscall(long number, long a, long b, long c, long d);

    /** errno of the last failed call on this thread. */
    static int errno() {
        return Native.getLastError();
    }
}
