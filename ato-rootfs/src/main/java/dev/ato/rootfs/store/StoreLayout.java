package dev.ato.rootfs.store;

import dev.ato.rootfs.ImageException;
import dev.ato.rootfs.ImageException.Kind;
import dev.ato.rootfs.ImageReference;
import dev.ato.rootfs.layer.FileOps;
import dev.ato.rootfs.registry.Digests;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.UUID;

/**
 * Where everything of a store lives under its root (default {@code /var/lib/ato/images}):
 * <pre>
 * layers/HEX/      one extracted layer, named by its diff_id (sha256 of the uncompressed tar), shared by
 *                  every image that has it; the directory overlayfs stacks
 * usage/HEX        the bytes and entries that layer took, counted against the image and store caps
 * images/HASH.json one image: reference, manifest and config digests, diff_ids lowest first, Env,
 *                  WorkingDir, Entrypoint, Cmd (HASH = sha256 of the canonical reference)
 * pins/PID-UUID    diff_ids an operation of process PID is putting together: gc keeps them
 * tmp/PID-...      extractions in progress; swept when process PID is gone
 * locks/           store.lock (records, pins, gc) and layers.lock (one byte-range lock per layer stripe)
 * </pre>
 * Everything is root-only (0700): layers hold set-uid files owned by the sandbox's ids.
 */
public final class StoreLayout {
    private final Path root;
    private final Path layers;
    private final Path usage;
    private final Path images;
    private final Path pins;
    private final Path tmp;
    private final Path locks;

    private StoreLayout(Path root) {
        this.root = root;
        this.layers = root.resolve("layers");
        this.usage = root.resolve("usage");
        this.images = root.resolve("images");
        this.pins = root.resolve("pins");
        this.tmp = root.resolve("tmp");
        this.locks = root.resolve("locks");
    }

    /**
     * Makes (or checks) the directories, root-only. Layers hold set-uid files owned by the sandbox's ids: a
     * host user who could reach them would become that id; overlayfs reaches lower layers with the
     * mounter's (root's) credentials, so containers need no access to this path.
     */
    public static StoreLayout create(Path root) throws IOException {
        if (!root.isAbsolute()) throw new IllegalArgumentException("store root must be absolute: " + root);
        StoreLayout l = new StoreLayout(root);
        List<Path> dirs = List.of(root, l.layers, l.usage, l.images, l.pins, l.tmp, l.locks);
        for (Path d : dirs) {
            if (Files.isSymbolicLink(d)) throw new ImageException(Kind.IO, "store directory " + d + " is a symlink");
            Files.createDirectories(d);
        }
        for (Path d : dirs) Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwx------"));
        return l;
    }

    /** The store's root. */
    public Path root() {
        return root;
    }

    /** The directory of every layer. */
    public Path layers() {
        return layers;
    }

    /** The directory of one layer, by the hex of its diff_id. */
    public Path layer(String hex) {
        return layers.resolve(hex);
    }

    /** Whether the layer is in the store (a real directory, not a link). */
    public boolean hasLayer(String hex) {
        return Files.isDirectory(layer(hex), LinkOption.NOFOLLOW_LINKS);
    }

    /** The directory of usage files. */
    public Path usageDir() {
        return usage;
    }

    /** The usage file of one layer. */
    public Path usage(String hex) {
        return usage.resolve(hex);
    }

    /** The directory of image records. */
    public Path images() {
        return images;
    }

    /** The record file of a reference. */
    public Path record(ImageReference ref) {
        return images.resolve(Digests.hex(Digests.sha256(ref.canonical().getBytes(StandardCharsets.UTF_8))) + ".json");
    }

    /** The directory of pins. */
    public Path pins() {
        return pins;
    }

    /** The directory of lock files. */
    public Path locks() {
        return locks;
    }

    /** A fresh path under tmp/, owned by this process: {@code PID-KIND-UUID} (not created). */
    public Path tmpPath(String kind) {
        return tmp.resolve(ProcessHandle.current().pid() + "-" + kind + "-" + UUID.randomUUID());
    }

    /** A fresh, empty directory under tmp/, owned by this process. */
    public Path newTmpDir(String kind) {
        Path p = tmpPath(kind);
        try {
            Files.createDirectory(p);
        } catch (IOException e) {
            throw new ImageException(Kind.IO, "create " + p + ": " + e, e);
        }
        return p;
    }

    /** Removes what processes that are gone left in tmp/. */
    public void sweepTmp() throws IOException {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(tmp)) {
            for (Path p : ds) {
                if (!ownerAlive(p)) FileOps.deleteTree(p);
            }
        }
    }

    /**
     * Whether the process whose pid starts the file name ({@code PID-...}) still runs (this process counts as
     * running). A recycled pid only keeps a leftover longer.
     */
    static boolean ownerAlive(Path p) {
        String n = p.getFileName().toString();
        int dash = n.indexOf('-');
        long pid;
        try {
            pid = Long.parseLong(dash > 0 ? n.substring(0, dash) : n);
        } catch (NumberFormatException e) {
            return false;
        }
        if (pid == ProcessHandle.current().pid()) return true;
        return pid > 0 && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    /** Deletes a tree; a failure is left to the next sweep. */
    static void deleteQuietly(Path p) {
        try {
            FileOps.deleteTree(p);
        } catch (IOException ignored) {
            // Swept at the next open or gc.
        }
    }
}
