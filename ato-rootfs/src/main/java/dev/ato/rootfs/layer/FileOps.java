package dev.ato.rootfs.layer;

import dev.ato.sandbox.nativeaccess.AtFiles;
import dev.ato.sandbox.nativeaccess.NativeException;
import dev.ato.sandbox.nativeaccess.Sys;
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
            AtFiles.syncFileSystem(fd, dir.toString());
        } catch (NativeException e) {
            throw new IOException(e.getMessage());
        } finally {
            Sys.closeQuietly(fd);
        }
    }

    /** fsync(2) on a directory, so a rename inside it is durable. */
    public static void fsyncDirectory(Path dir) throws IOException {
        int fd = openDir(dir);
        try {
            AtFiles.fsync(fd, dir.toString());
        } catch (NativeException e) {
            throw new IOException(e.getMessage());
        } finally {
            Sys.closeQuietly(fd);
        }
    }

    /** The free bytes and inodes of the file system holding {@code path}, as statvfs(3) reports them. */
    public static AtFiles.FreeSpace freeSpace(Path path) throws IOException {
        try {
            return AtFiles.freeSpace(path.toString());
        } catch (NativeException e) {
            throw new IOException(e.getMessage());
        }
    }

    static int openDir(Path dir) throws IOException {
        try {
            return Sys.openDirectory(dir.toString());
        } catch (NativeException e) {
            throw new IOException(e.getMessage());
        }
    }

    /** An xattr of a path, not following a final symlink; empty when absent. For tests and inspection. */
    public static String readXattr(Path path, String name) {
        byte[] buf = new byte[256];
        try {
            return new String(buf, 0, AtFiles.getXattr(path.toString(), name, buf), StandardCharsets.UTF_8);
        } catch (NativeException e) {
            return "";
        }
    }
}
