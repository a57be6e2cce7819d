package dev.ato.rootfs;

import dev.ato.rootfs.layer.Sha256;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * A comparable description of a directory tree: for every path (never following links) its type, mode
 * (with set-id bits), owner minus an id base, link target, file content hash and, for non-directories,
 * mtime.
 */
public final class TreeSnapshot {
    private TreeSnapshot() { }

    public static Map<String, String> of(Path root, int idBase) throws IOException {
        Map<String, String> out = new TreeMap<>();
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                if (!dir.equals(root)) out.put(root.relativize(dir).toString(), describe(dir, idBase));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                out.put(root.relativize(file).toString(), describe(file, idBase));
                return FileVisitResult.CONTINUE;
            }
        });
        return out;
    }

    /**
     * The snapshot of an image as a container sees it (owners shifted back by the store's default id base of
     * 100000): its one layer, or its layers merged by a read-only overlay mounted at {@code mnt} for the
     * look.
     */
    public static Map<String, String> merged(StoredImage img, Path mnt) throws IOException {
        Files.createDirectories(mnt);
        String lower = img.layers().reversed().stream().map(Path::toString).collect(Collectors.joining(":"));
        if (img.layers().size() == 1) {
            return of(img.layers().get(0), 100000);
        }
        Cmd.run("mount", "-t", "overlay", "overlay", "-o", "ro,lowerdir=" + lower, mnt.toString());
        try {
            return of(mnt, 100000);
        } finally {
            Cmd.run("umount", mnt.toString());
        }
    }

    static String describe(Path p, int idBase) throws IOException {
        Map<String, Object> a = Files.readAttributes(p, "unix:mode,uid,gid,size,lastModifiedTime,isDirectory,isSymbolicLink,isRegularFile,isOther", LinkOption.NOFOLLOW_LINKS);
        int mode = (Integer) a.get("mode");
        StringBuilder b = new StringBuilder();
        int type = mode & 0170000;
        b.append(switch (type) {
            case 0040000 -> "dir";
            case 0100000 -> "file";
            case 0120000 -> "link";
            case 0020000 -> "chr";
            case 0010000 -> "fifo";
            default -> "type" + Integer.toOctalString(type);
        });
        b.append(" mode=").append(Integer.toOctalString(mode & 07777));
        b.append(" owner=").append((Integer) a.get("uid") - idBase).append(':').append((Integer) a.get("gid") - idBase);
        if (type == 0120000) b.append(" -> ").append(Files.readSymbolicLink(p));
        if (type == 0100000) {
            b.append(" size=").append(a.get("size")).append(" sha256=").append(hash(p));
        }
        if (type != 0040000) b.append(" mtime=").append(((FileTime) a.get("lastModifiedTime")).toMillis() / 1000);
        return b.toString();
    }

    private static String hash(Path p) throws IOException {
        try (InputStream in = Files.newInputStream(p, LinkOption.NOFOLLOW_LINKS)) {
            MessageDigest md = Sha256.newDigest();
            byte[] buf = new byte[65536];
            int n;
            while ((n = in.read(buf)) > 0) md.update(buf, 0, n);
            return HexFormat.of().formatHex(md.digest()).substring(0, 16);
        }
    }
}
