package dev.ato.rootfs.layer;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;

/**
 * The libc calls the layer extractor makes. Paths are NUL-terminated byte arrays (see {@link #path}), so a
 * name reaches the kernel exactly as the layer spells it whatever the JVM's locale, and every lookup is
 * relative to a directory fd with {@code O_NOFOLLOW} or {@code AT_SYMLINK_NOFOLLOW}: the extractor never
 * resolves a path through a symlink. Direct-mapped; failures throw {@link LastErrorException} with errno.
 */
final class Libc {
    static final int AT_FDCWD = -100;
    static final int AT_SYMLINK_NOFOLLOW = 0x100;
    static final int AT_REMOVEDIR = 0x200;
    static final int O_RDONLY = 0;
    static final int O_WRONLY = 1;
    static final int O_CREAT = 0100;
    static final int O_EXCL = 0200;
    static final int O_DIRECTORY = 0200000;
    static final int O_NOFOLLOW = 0400000;
    static final int O_CLOEXEC = 02000000;
    /** How every directory in a layer tree is opened: read-only, must be a directory, never through a final symlink. */
    static final int O_DIR_NOFOLLOW = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
    static final int S_IFMT = 0170000;
    static final int S_IFDIR = 0040000;
    static final int S_IFCHR = 0020000;
    static final int S_IFIFO = 0010000;
    static final int ENOENT = 2;
    static final int EEXIST = 17;
    static final int ENOTDIR = 20;
    static final int EISDIR = 21;
    static final int ELOOP = 40;
    static final int ENOTEMPTY = 39;
    /** Offset of st_mode in struct stat: x86_64 puts st_nlink (8 bytes) before it, the generic layout a 4-byte one. */
    static final int ST_MODE_OFFSET = Platform.isIntel() ? 24 : 16;
    /** Offset of d_name in struct dirent64 (d_ino 8, d_off 8, d_reclen 2, d_type 1). */
    static final int D_NAME_OFFSET = 19;

    static {
        if (!Platform.isLinux()) throw new UnsupportedOperationException("the layer store needs Linux");
        Native.register(Platform.C_LIBRARY_NAME);
    }

    private Libc() { }

    /** A path or name as the NUL-terminated bytes a syscall takes. */
    static byte[] path(byte[] name) {
        byte[] b = new byte[name.length + 1];
        System.arraycopy(name, 0, b, 0, name.length);
        return b;
    }

    /** A path string (store paths, ASCII) as NUL-terminated UTF-8. */
    static byte[] path(String s) {
        return path(s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /** @see <a href="https://man7.org/linux/man-pages/man2/openat.2.html">openat(2)</a> */
    static native int openat(int dirfd, byte[] path, int flags, int mode) throws LastErrorException;

    /** @see <a href="https://man7.org/linux/man-pages/man2/mkdirat.2.html">mkdirat(2)</a> */
    static native int mkdirat(int dirfd, byte[] path, int mode) throws LastErrorException;

    /** @see <a href="https://man7.org/linux/man-pages/man2/symlinkat.2.html">symlinkat(2)</a> */
    static native int symlinkat(byte[] target, int dirfd, byte[] linkpath) throws LastErrorException;

    /** Without AT_SYMLINK_FOLLOW, so a link to a symlink links the symlink itself. @see <a href="https://man7.org/linux/man-pages/man2/linkat.2.html">linkat(2)</a> */
    static native int linkat(int olddirfd, byte[] oldpath, int newdirfd, byte[] newpath, int flags) throws LastErrorException;

    /** @see <a href="https://man7.org/linux/man-pages/man2/mknodat.2.html">mknodat(2)</a> */
    static native int mknodat(int dirfd, byte[] path, int mode, long dev) throws LastErrorException;

    /** @see <a href="https://man7.org/linux/man-pages/man2/unlinkat.2.html">unlinkat(2)</a> */
    static native int unlinkat(int dirfd, byte[] path, int flags) throws LastErrorException;

    /** @see <a href="https://man7.org/linux/man-pages/man2/fchownat.2.html">fchownat(2)</a> */
    static native int fchownat(int dirfd, byte[] path, int uid, int gid, int flags) throws LastErrorException;

    /** @see <a href="https://man7.org/linux/man-pages/man2/fchown.2.html">fchown(2)</a> */
    static native int fchown(int fd, int uid, int gid) throws LastErrorException;

    /** @see <a href="https://man7.org/linux/man-pages/man2/fchmod.2.html">fchmod(2)</a> */
    static native int fchmod(int fd, int mode) throws LastErrorException;

    /** Only on entries just created as non-links (it follows a final symlink). @see <a href="https://man7.org/linux/man-pages/man2/fchmodat.2.html">fchmodat(2)</a> */
    static native int fchmodat(int dirfd, byte[] path, int mode, int flags) throws LastErrorException;

    /** times = {atime_sec, atime_nsec, mtime_sec, mtime_nsec}. @see <a href="https://man7.org/linux/man-pages/man2/utimensat.2.html">utimensat(2)</a> */
    static native int utimensat(int dirfd, byte[] path, long[] times, int flags) throws LastErrorException;

    /** @see <a href="https://man7.org/linux/man-pages/man3/futimens.3.html">futimens(3)</a> */
    static native int futimens(int fd, long[] times) throws LastErrorException;

    /** @see <a href="https://man7.org/linux/man-pages/man2/fsetxattr.2.html">fsetxattr(2)</a> */
    static native int fsetxattr(int fd, byte[] name, byte[] value, long size, int flags) throws LastErrorException;

    /** @see <a href="https://man7.org/linux/man-pages/man2/lgetxattr.2.html">lgetxattr(2)</a> */
    static native long lgetxattr(byte[] path, byte[] name, byte[] value, long size) throws LastErrorException;

    /** @see <a href="https://man7.org/linux/man-pages/man2/fstatat.2.html">fstatat(2)</a> */
    static native int fstatat(int dirfd, byte[] path, byte[] statbuf, int flags) throws LastErrorException;

    /** @see <a href="https://man7.org/linux/man-pages/man2/write.2.html">write(2)</a> */
    static native long write(int fd, byte[] buf, long count) throws LastErrorException;

    /** A direct buffer is passed by address, with no copy of its content. @see <a href="https://man7.org/linux/man-pages/man2/write.2.html">write(2)</a> */
    static native long write(int fd, java.nio.ByteBuffer directBuf, long count) throws LastErrorException;

    /** Writes at an offset without moving the file position. @see <a href="https://man7.org/linux/man-pages/man2/pwrite.2.html">pwrite(2)</a> */
    static native long pwrite(int fd, java.nio.ByteBuffer directBuf, long count, long offset) throws LastErrorException;

    /** @see <a href="https://man7.org/linux/man-pages/man2/ftruncate.2.html">ftruncate(2)</a> */
    static native int ftruncate(int fd, long length) throws LastErrorException;

    /**
     * Fills {@code buf} (at least {@link #STATVFS_SIZE} bytes) with struct statvfs; on 64-bit Linux every
     * field up to f_namemax is an unsigned long. @see <a href="https://man7.org/linux/man-pages/man3/statvfs.3.html">statvfs(3)</a>
     */
    static native int statvfs(byte[] path, byte[] buf) throws LastErrorException;

    static final int STATVFS_SIZE = 128;
    static final int F_FRSIZE_OFFSET = 8;
    static final int F_BAVAIL_OFFSET = 32;
    static final int F_FILES_OFFSET = 40;
    static final int F_FAVAIL_OFFSET = 56;

    /** @see <a href="https://man7.org/linux/man-pages/man2/close.2.html">close(2)</a> */
    static native int close(int fd) throws LastErrorException;

    /** @see <a href="https://man7.org/linux/man-pages/man2/syncfs.2.html">syncfs(2)</a> */
    static native int syncfs(int fd) throws LastErrorException;

    /** @see <a href="https://man7.org/linux/man-pages/man2/fsync.2.html">fsync(2)</a> */
    static native int fsync(int fd) throws LastErrorException;

    /** Takes ownership of fd. @see <a href="https://man7.org/linux/man-pages/man3/fdopendir.3.html">fdopendir(3)</a> */
    static native Pointer fdopendir(int fd) throws LastErrorException;

    /** @see <a href="https://man7.org/linux/man-pages/man3/readdir.3.html">readdir(3)</a> */
    static native Pointer readdir(Pointer dir) throws LastErrorException;

    /** @see <a href="https://man7.org/linux/man-pages/man3/closedir.3.html">closedir(3)</a> */
    static native int closedir(Pointer dir) throws LastErrorException;

    /** Closes quietly (cleanup paths). */
    static void closeQuietly(int fd) {
        try {
            close(fd);
        } catch (LastErrorException ignored) {
            // Nothing useful to do: the fd is gone either way on Linux.
        }
    }

    /** "EEXIST"-style name of an errno, for messages. */
    static String errnoName(int errno) {
        return switch (errno) {
            case 1 -> "EPERM";
            case ENOENT -> "ENOENT";
            case 5 -> "EIO";
            case 9 -> "EBADF";
            case 12 -> "ENOMEM";
            case 13 -> "EACCES";
            case EEXIST -> "EEXIST";
            case 18 -> "EXDEV";
            case ENOTDIR -> "ENOTDIR";
            case EISDIR -> "EISDIR";
            case 22 -> "EINVAL";
            case 24 -> "EMFILE";
            case 28 -> "ENOSPC";
            case 36 -> "ENAMETOOLONG";
            case ENOTEMPTY -> "ENOTEMPTY";
            case ELOOP -> "ELOOP";
            case 95 -> "EOPNOTSUPP";
            default -> "errno " + errno;
        };
    }
}
