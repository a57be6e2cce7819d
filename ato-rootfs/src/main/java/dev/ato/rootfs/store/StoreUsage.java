package dev.ato.rootfs.store;

import dev.ato.rootfs.ImageException;
import dev.ato.rootfs.ImageException.Kind;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashSet;
import java.util.Set;

/**
 * What each layer takes, kept in {@code usage/HEX} ("BYTES ENTRIES") so the image and store caps are checked
 * without walking the store. Written when a layer is published; a layer from before usage files existed is
 * walked once (apparent sizes, hard links once) and its file written then.
 */
public final class StoreUsage {
    /** Bytes of file data and entries (inodes) of one layer or a sum of layers. */
    public record Usage(long bytes, long entries) {
        /** No bytes, no entries. */
        public static final Usage NONE = new Usage(0, 0);

        Usage plus(Usage o) {
            return new Usage(bytes + o.bytes, entries + o.entries);
        }
    }

    private final StoreLayout layout;

    StoreUsage(StoreLayout layout) {
        this.layout = layout;
    }

    /** Records what a layer about to be published takes. */
    void record(String hex, Usage u) throws IOException {
        Files.writeString(layout.usage(hex), u.bytes() + " " + u.entries() + "\n", StandardCharsets.US_ASCII);
    }

    /** Forgets a removed layer's usage. */
    void forget(String hex) throws IOException {
        Files.deleteIfExists(layout.usage(hex));
    }

    /** What a stored layer takes ({@link Usage#NONE} when it is not in the store). */
    public Usage of(String hex) {
        try {
            String s = Files.readString(layout.usage(hex), StandardCharsets.US_ASCII).trim();
            String[] p = s.split(" ");
            return new Usage(Long.parseLong(p[0]), Long.parseLong(p[1]));
        } catch (NoSuchFileException e) {
            if (!layout.hasLayer(hex)) return Usage.NONE;
        } catch (IOException | RuntimeException e) {
            // Unreadable: measure again.
        }
        try {
            Usage u = walk(layout.layer(hex));
            record(hex, u);
            return u;
        } catch (NoSuchFileException gone) {
            return Usage.NONE;
        } catch (IOException e) {
            throw new ImageException(Kind.IO, "measure layer " + hex + ": " + e, e);
        }
    }

    /** What every layer of the store takes. */
    public Usage total() {
        Usage sum = Usage.NONE;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(layout.layers())) {
            for (Path p : ds) sum = sum.plus(of(p.getFileName().toString()));
        } catch (IOException e) {
            throw new ImageException(Kind.IO, "list " + layout.layers() + ": " + e, e);
        }
        return sum;
    }

    /** Total apparent size of the files of the given layer directories, walked now. */
    public long measure(java.util.List<Path> dirs) {
        long total = 0;
        for (Path p : dirs) {
            try {
                total += walk(p).bytes();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        return total;
    }

    /** Apparent size of the regular files under {@code dir} (hard links once) and the number of entries. */
    static Usage walk(Path dir) throws IOException {
        long[] total = {0, 0};
        Set<Object> seen = new HashSet<>();
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) {
                if (!d.equals(dir)) total[1]++;
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                total[1]++;
                if (attrs.isRegularFile() && (attrs.fileKey() == null || seen.add(attrs.fileKey()))) total[0] += attrs.size();
                return FileVisitResult.CONTINUE;
            }
        });
        return new Usage(total[0], total[1]);
    }
}
