package dev.ato.sandbox.nativeaccess;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * File work relative to a directory descriptor, for trees whose names come from untrusted input (an image
 * layer, a cgroup tree): a name is one component, looked up with {@code O_NOFOLLOW} or
 * {@code AT_SYMLINK_NOFOLLOW} unless a method says otherwise, so no path is ever resolved through a symlink.
 * Names are NUL-terminated bytes ({@link #cstring}), passed to the kernel exactly as given whatever the
 * JVM's locale. Each method succeeds or throws a {@link NativeException} naming the call, the name and the
 * errno; callers that expect an errno ({@code EEXIST} on a create) catch it and read {@link
 * NativeException#errno()}.
 */
public final class AtFiles {
    /** How a directory of a tree is opened: read-only, must be a directory, never through a final symlink. */
    private static final int O_DIR_NOFOLLOW = LibC.O_RDONLY | LibC.O_DIRECTORY | LibC.O_NOFOLLOW | LibC.O_CLOEXEC;

    private AtFiles() { }

    /** Space left on a file system: bytes an unprivileged writer may still use, and free inodes (-1: no inode limit). */
    public record FreeSpace(long bytes, long inodes) { }

    /** A name or path as the NUL-terminated bytes a call takes. */
    public static byte[] cstring(byte[] name) {
        byte[] b = new byte[name.length + 1];
        System.arraycopy(name, 0, b, 0, name.length);
        return b;
    }

    /** A name or path as NUL-terminated UTF-8. */
    public static byte[] cstring(String s) {
        return cstring(s.getBytes(StandardCharsets.UTF_8));
    }

    /** For messages: the name without its NUL, as UTF-8. */
    private static String text(byte[] cname) {
        int n = cname.length > 0 && cname[cname.length - 1] == 0 ? cname.length - 1 : cname.length;
        return new String(cname, 0, n, StandardCharsets.UTF_8);
    }

    private static int check(int rc, String call, byte[] cname) {
        if (rc < 0) throw Sys.lastError(call, text(cname));
        return rc;
    }

    /** A directory of the tree (read-only, close-on-exec), never through a symlink. */
    public static int openDirectory(int dirfd, byte[] cname) {
        return check(LibC.openat(dirfd, cname, O_DIR_NOFOLLOW, 0), "openat", cname);
    }

    /** A directory by absolute path, refusing a symlink as its last component. */
    public static int openDirectory(String path) {
        return openDirectory(LibC.AT_FDCWD, cstring(path));
    }

    /** An O_PATH descriptor of the directory {@code name} below {@code dirfd}, never through a symlink. */
    public static int openPathDirectory(int dirfd, String name) {
        int fd = LibC.openat(dirfd, name, LibC.O_PATH | LibC.O_DIRECTORY | LibC.O_CLOEXEC | LibC.O_NOFOLLOW, 0);
        if (fd < 0) throw Sys.lastError("openat", name);
        return fd;
    }

    /** Opens {@code name} below {@code dirfd} with {@code flags} plus O_NOFOLLOW and O_CLOEXEC. */
    public static int open(int dirfd, String name, int flags) {
        int fd = LibC.openat(dirfd, name, flags | LibC.O_NOFOLLOW | LibC.O_CLOEXEC, 0);
        if (fd < 0) throw Sys.lastError("openat", name);
        return fd;
    }

    /** Creates a new regular file (O_EXCL: never over an existing entry) open for writing. */
    public static int createFile(int dirfd, byte[] cname, int mode) {
        int flags = LibC.O_WRONLY | LibC.O_CREAT | LibC.O_EXCL | LibC.O_NOFOLLOW | LibC.O_CLOEXEC;
        return check(LibC.openat(dirfd, cname, flags, mode), "openat", cname);
    }

    /** Makes a directory below {@code dirfd}. */
    public static void mkdir(int dirfd, byte[] cname, int mode) {
        check(LibC.mkdirat(dirfd, cname, mode), "mkdirat", cname);
    }

    /** Makes a directory below {@code dirfd}. */
    public static void mkdir(int dirfd, String name, int mode) {
        if (LibC.mkdirat(dirfd, name, mode) != 0) throw Sys.lastError("mkdirat", name);
    }

    /** Makes a symlink to {@code ctarget} (stored, never resolved here) below {@code dirfd}. */
    public static void symlink(byte[] ctarget, int dirfd, byte[] cname) {
        check(LibC.symlinkat(ctarget, dirfd, cname), "symlinkat", cname);
    }

    /** A hard link; without AT_SYMLINK_FOLLOW, so a link to a symlink links the symlink itself. */
    public static void link(int fromDirfd, byte[] cfrom, int dirfd, byte[] cname) {
        check(LibC.linkat(fromDirfd, cfrom, dirfd, cname, 0), "linkat", cname);
    }

    /** A node: {@code mode} holds its type (S_IFCHR, S_IFIFO) and permissions. */
    public static void mknod(int dirfd, byte[] cname, int mode, long dev) {
        check(LibC.mknodat(dirfd, cname, mode, dev), "mknodat", cname);
    }

    /** A node: {@code mode} holds its type (S_IFCHR, S_IFIFO) and permissions. */
    public static void mknod(int dirfd, String name, int mode, long dev) {
        if (LibC.mknodat(dirfd, name, mode, dev) != 0) throw Sys.lastError("mknodat", name);
    }

    /** Removes a non-directory entry. */
    public static void unlink(int dirfd, byte[] cname) {
        check(LibC.unlinkat(dirfd, cname, 0), "unlinkat", cname);
    }

    /** Removes an empty directory. */
    public static void rmdir(int dirfd, byte[] cname) {
        check(LibC.unlinkat(dirfd, cname, LibC.AT_REMOVEDIR), "unlinkat", cname);
    }

    /** Removes an empty directory. */
    public static void rmdir(int dirfd, String name) {
        if (LibC.unlinkat(dirfd, name, LibC.AT_REMOVEDIR) != 0) throw Sys.lastError("unlinkat", name);
    }

    /** Whether {@code name} exists below {@code dirfd} (a symlink counts as itself). */
    public static boolean exists(int dirfd, String name) {
        return LibC.faccessat(dirfd, name, LibC.F_OK, LibC.AT_SYMLINK_NOFOLLOW) == 0;
    }

    /** Gives the entry itself (a symlink is not followed) to uid:gid. */
    public static void chown(int dirfd, byte[] cname, int uid, int gid) {
        check(LibC.fchownat(dirfd, cname, uid, gid, LibC.AT_SYMLINK_NOFOLLOW), "fchownat", cname);
    }

    /** Only on entries just created as non-links: fchmodat(2) follows a final symlink. */
    public static void chmodCreated(int dirfd, byte[] cname, int mode) {
        check(LibC.fchmodat(dirfd, cname, mode, 0), "fchmodat", cname);
    }

    /** Sets the entry's own times (a symlink is not followed); times = {atime_sec, atime_nsec, mtime_sec, mtime_nsec}. */
    public static void setTimes(int dirfd, byte[] cname, long[] times) {
        check(LibC.utimensat(dirfd, cname, times, LibC.AT_SYMLINK_NOFOLLOW), "utimensat", cname);
    }

    /** Whether the entry itself (a symlink is not followed) is a directory. */
    public static boolean isDirectory(int dirfd, byte[] cname) {
        byte[] st = new byte[LibC.STAT_BUFFER];
        check(LibC.fstatat(dirfd, cname, st, LibC.AT_SYMLINK_NOFOLLOW), "fstatat", cname);
        int mode = ByteBuffer.wrap(st).order(ByteOrder.nativeOrder()).getInt(LibC.ST_MODE_OFFSET);
        return (mode & LibC.S_IFMT) == LibC.S_IFDIR;
    }

    /**
     * The names in the directory {@code dirfd} (without "." and ".."), each NUL-terminated. {@code dirfd} stays
     * open and is not moved: the listing reads a descriptor of its own.
     */
    public static List<byte[]> list(int dirfd) {
        int own = check(LibC.openat(dirfd, cstring("."), LibC.O_RDONLY | LibC.O_DIRECTORY | LibC.O_CLOEXEC, 0), "openat", cstring("."));
        Pointer dir = LibC.fdopendir(own);
        if (dir == null) {
            NativeException e = Sys.lastError("fdopendir", ".");
            Sys.closeQuietly(own);
            throw e;
        }
        List<byte[]> names = new ArrayList<>();
        try {
            while (true) {
                // readdir returns NULL at the end and on an error; only the latter sets errno.
                Native.setLastError(0);
                Pointer ent = LibC.readdir(dir);
                if (ent == null) {
                    if (LibC.errno() != 0) throw Sys.lastError("readdir", ".");
                    return names;
                }
                byte[] nm = ent.getString(LibC.D_NAME_OFFSET, "ISO-8859-1").getBytes(StandardCharsets.ISO_8859_1);
                if ((nm.length == 1 && nm[0] == '.') || (nm.length == 2 && nm[0] == '.' && nm[1] == '.')) continue;
                names.add(cstring(nm));
            }
        } finally {
            LibC.closedir(dir);
        }
    }

    /** Gives the open file or directory to uid:gid. */
    public static void chown(int fd, int uid, int gid, String what) {
        if (LibC.fchown(fd, uid, gid) != 0) throw Sys.lastError("fchown", what);
    }

    /** Sets the mode of the open file or directory (set-id and sticky bits included). */
    public static void chmod(int fd, int mode, String what) {
        if (LibC.fchmod(fd, mode) != 0) throw Sys.lastError("fchmod", what);
    }

    /** Sets an open file's times; times = {atime_sec, atime_nsec, mtime_sec, mtime_nsec}. */
    public static void setTimes(int fd, long[] times, String what) {
        if (LibC.futimens(fd, times) != 0) throw Sys.lastError("futimens", what);
    }

    /** Sets an extended attribute on an open file or directory. */
    public static void setXattr(int fd, byte[] cname, byte[] value, String what) {
        if (LibC.fsetxattr(fd, cname, value, value.length, 0) != 0) throw Sys.lastError("fsetxattr", what);
    }

    /**
     * The value of an extended attribute of the entry at {@code path} itself (lgetxattr: a symlink is not
     * followed).
     *
     * @return the value's length in {@code value}
     */
    public static int getXattr(String path, String name, byte[] value) {
        long n = LibC.lgetxattr(cstring(path), cstring(name), value, value.length);
        if (n < 0) throw Sys.lastError("lgetxattr", path);
        return (int) n;
    }

    /** Sets an open file's size. */
    public static void truncate(int fd, long size, String what) {
        if (LibC.ftruncate(fd, size) != 0) throw Sys.lastError("ftruncate", what);
    }

    /**
     * Writes {@code count} bytes of the direct buffer at the file offset {@code offset} (pwrite: the file's
     * position does not move).
     *
     * @return how many bytes the kernel took
     */
    public static long writeAt(int fd, ByteBuffer direct, long count, long offset, String what) {
        long n = LibC.pwrite(fd, direct, count, offset);
        if (n < 0) throw Sys.lastError("pwrite", what);
        return n;
    }

    /** Flushes the file system that holds the open file {@code fd} (syncfs). */
    public static void syncFileSystem(int fd, String what) {
        if (LibC.syncfs(fd) != 0) throw Sys.lastError("syncfs", what);
    }

    /** Flushes the open file or directory {@code fd} (fsync). */
    public static void fsync(int fd, String what) {
        if (LibC.fsync(fd) != 0) throw Sys.lastError("fsync", what);
    }

    /** The room left on the file system holding {@code path} (statvfs(3)). */
    public static FreeSpace freeSpace(String path) {
        byte[] buf = new byte[LibC.STATVFS_SIZE];
        if (LibC.statvfs(cstring(path), buf) != 0) throw Sys.lastError("statvfs", path);
        ByteBuffer b = ByteBuffer.wrap(buf).order(ByteOrder.nativeOrder());
        long avail = b.getLong(LibC.F_BAVAIL_OFFSET);
        long frsize = b.getLong(LibC.F_FRSIZE_OFFSET);
        long bytes = Math.multiplyHigh(avail, frsize) != 0 ? Long.MAX_VALUE : avail * frsize;
        long inodes = b.getLong(LibC.F_FILES_OFFSET) == 0 ? -1 : b.getLong(LibC.F_FAVAIL_OFFSET);
        return new FreeSpace(bytes, inodes);
    }
}
