package dev.ato.rootfs.layer;

import com.sun.jna.LastErrorException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/** File-system helpers for the store that never follow symlinks inside layer trees. */
public final class FileOps {
    private FileOps() { }

    /**
     * Deletes a tree without following any symlink in it (walkFileTree does not follow links by default,
     * and a symlink is deleted as the link itself). A missing path is fine.
     */
    public static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) return;
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.deleteIfExists(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException exc) throws IOException {
                if (exc instanceof NoSuchFileException) return FileVisitResult.CONTINUE;
                throw exc;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                if (exc != null && !(exc instanceof NoSuchFileException)) throw exc;
                Files.deleteIfExists(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    /** Flushes the whole file system holding {@code dir}: one syncfs(2) instead of an fsync per file. */
    public static void syncFileSystem(Path dir) throws IOException {
        int fd = openDir(dir);
        try {
            Libc.syncfs(fd);
        } catch (LastErrorException e) {
            throw new IOException("syncfs(" + dir + "): " + Libc.errnoName(e.getErrorCode()));
        } finally {
            Libc.closeQuietly(fd);
        }
    }

    /** fsync(2) on a directory, so a rename inside it is durable. */
    public static void fsyncDirectory(Path dir) throws IOException {
        int fd = openDir(dir);
        try {
            Libc.fsync(fd);
        } catch (LastErrorException e) {
            throw new IOException("fsync(" + dir + "): " + Libc.errnoName(e.getErrorCode()));
        } finally {
            Libc.closeQuietly(fd);
        }
    }

    /** Free space for unprivileged writers; {@code inodes} is -1 where the file system has no fixed inode count. */
    public record FreeSpace(long bytes, long inodes) { }

    /** The free bytes and inodes of the file system holding {@code path}, as statvfs(3) reports them. */
    public static FreeSpace freeSpace(Path path) throws IOException {
        byte[] buf = new byte[Libc.STATVFS_SIZE];
        try {
            Libc.statvfs(Libc.path(path.toString()), buf);
        } catch (LastErrorException e) {
            throw new IOException("statvfs(" + path + "): " + Libc.errnoName(e.getErrorCode()));
        }
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(buf).order(java.nio.ByteOrder.nativeOrder());
        long bytes = Math.multiplyHigh(b.getLong(Libc.F_BAVAIL_OFFSET), b.getLong(Libc.F_FRSIZE_OFFSET)) != 0 ? Long.MAX_VALUE
                : b.getLong(Libc.F_BAVAIL_OFFSET) * b.getLong(Libc.F_FRSIZE_OFFSET);
        long inodes = b.getLong(Libc.F_FILES_OFFSET) == 0 ? -1 : b.getLong(Libc.F_FAVAIL_OFFSET);
        return new FreeSpace(bytes, inodes);
    }

    static int openDir(Path dir) throws IOException {
        try {
            return Libc.openat(Libc.AT_FDCWD, Libc.path(dir.toString()), Libc.O_DIR_NOFOLLOW, 0);
        } catch (LastErrorException e) {
            throw new IOException("open(" + dir + "): " + Libc.errnoName(e.getErrorCode()));
        }
    }

    /** An xattr of a path, not following a final symlink; empty when absent. For tests and inspection. */
    public static String readXattr(Path path, String name) {
        byte[] buf = new byte[256];
        try {
            long n = Libc.lgetxattr(Libc.path(path.toString()), Libc.path(name), buf, buf.length);
            return new String(buf, 0, (int) n, StandardCharsets.UTF_8);
        } catch (LastErrorException e) {
            return "";
        }
    }
}
