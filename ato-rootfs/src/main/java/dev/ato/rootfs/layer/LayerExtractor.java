package dev.ato.rootfs.layer;

import dev.ato.sandbox.nativeaccess.AtFiles;
import dev.ato.sandbox.nativeaccess.Errno;
import dev.ato.sandbox.nativeaccess.LibC;
import dev.ato.sandbox.nativeaccess.NativeException;
import dev.ato.sandbox.nativeaccess.Sys;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveStructSparse;

/**
 * Extracts one layer tarball into an empty directory, in overlayfs's form, safely against hostile input.
 *
 * <p>Safety: every name is split into components and resolved from the layer's root directory fd one
 * component at a time with {@code openat(O_DIRECTORY|O_NOFOLLOW)}, so a symlink in a parent position is
 * refused rather than followed; {@code ..} components are refused; a leading {@code /} is dropped (the
 * layer root is the image's root); leaf entries are created with {@code *at} calls that never follow a
 * final symlink ({@code O_CREAT|O_EXCL|O_NOFOLLOW}, {@code AT_SYMLINK_NOFOLLOW}, {@code linkat} without
 * {@code AT_SYMLINK_FOLLOW}); hardlink targets are resolved the same way inside the layer. The uncompressed
 * stream and the declared size of every file (a sparse file's real size included) count against
 * {@code maxBytes} before anything is written, and a layer may hold at most {@value #MAX_ENTRIES} entries.
 * Holes stay holes: a sparse entry's holes are skipped by its map and zero blocks of any file are not
 * written ({@link HoleWriter}); entries and written bytes are charged to a {@link LayerBudget}.
 *
 * <p>Form: {@code .wh.NAME} becomes a 0/0 character device NAME (overlayfs's whiteout), {@code .wh..wh..opq}
 * sets {@code trusted.overlay.opaque=y} on its directory, other {@code .wh..wh.} names (aufs bookkeeping) are
 * dropped; device nodes are skipped, FIFOs kept; owners are shifted by the id base (ids at or above the id
 * count become nobody); modes include set-id and sticky bits; mtimes are kept, directories' set last.
 * Extended attributes in PAX headers are not applied (a {@code security.capability} from an untrusted
 * image is not something to grant).
 *
 * <p>Not thread-safe; one instance per extraction.
 */
public final class LayerExtractor {
    private static final byte[] OPAQUE_XATTR = AtFiles.cstring("trusted.overlay.opaque");
    private static final int NOBODY = 65534;
    /** Entries per layer: a full Debian image has ~100k; millions of empty files would only eat inodes. */
    static final long MAX_ENTRIES = 2_000_000;

    private final int uidBase;
    private final int gidBase;
    private final int idCount;
    private final long maxBytes;
    private final byte[] buffer = new byte[256 * 1024];
    private final LayerBudget budget;
    private final HoleWriter files;

    /** Directories whose mtime is set once everything inside them is written: path -> {sec, nsec}. */
    private final Map<String, long[]> dirTimes = new LinkedHashMap<>();
    private LayerTree tree;
    private int rootFd = -1;
    private long contentBytes;
    private long entries;

    /** What an extraction produced. */
    public record Result(String diffId, long tarBytes, long contentBytes, long entries, long writtenBytes) { }

    /**
     * @param uidBase  host uid of container root
     * @param gidBase  host gid of container root's group
     * @param idCount  ids mapped per container; owners at or above become nobody
     * @param maxBytes cap on the uncompressed tar stream and on the sum of file sizes
     */
    public LayerExtractor(int uidBase, int gidBase, int idCount, long maxBytes) {
        this(uidBase, gidBase, idCount, maxBytes, LayerBudget.UNLIMITED);
    }

    /** As above, with entries and written bytes also charged to {@code budget} (the image's and store's caps). */
    public LayerExtractor(int uidBase, int gidBase, int idCount, long maxBytes, LayerBudget budget) {
        this.uidBase = uidBase;
        this.gidBase = gidBase;
        this.idCount = idCount;
        this.maxBytes = maxBytes;
        this.budget = budget;
        this.files = new HoleWriter(256 * 1024, budget);
    }

    /**
     * Extracts an uncompressed tar stream into {@code dir} (an existing, empty directory that only this
     * extraction writes to) and returns the sha256 of the whole stream (the layer's diff_id).
     *
     * @param progress receives the number of uncompressed bytes read so far
     * @throws LayerRejectedException for hostile, malformed or oversized layers
     */
    public Result extract(InputStream uncompressedTar, Path dir, LongConsumer progress) throws IOException {
        HashingInputStream hashed = new HashingInputStream(uncompressedTar, maxBytes, progress);
        try (ReadAheadInputStream ahead = new ReadAheadInputStream(hashed); LayerTree opened = new LayerTree(dir, uidBase, gidBase)) {
            tree = opened;
            rootFd = opened.rootFd();
            ownRoot(dir);
            // UTF-8: PAX names are UTF-8 by definition and modern tar writers use it for ustar names too.
            TarArchiveInputStream tar = new TarArchiveInputStream(new EofPadding(ahead), "UTF-8");
            TarArchiveEntry e;
            while ((e = nextEntry(tar)) != null) {
                if (++entries > MAX_ENTRIES) throw new LayerRejectedException("layer has more than " + MAX_ENTRIES + " entries");
                budget.entry(e.getName());
                tree.trimCache();
                apply(tar, e);
            }
            // The diff_id covers the end-of-archive blocks and any padding the tar reader left unread.
            while (ahead.read(buffer, 0, buffer.length) >= 0) {
                // drain
            }
            for (Map.Entry<String, long[]> t : dirTimes.entrySet()) setTimesAt(t.getKey(), t.getValue());
            return new Result(Sha256.format(hashed.digest()), hashed.count(), contentBytes, entries, files.written());
        } finally {
            tree = null;
            rootFd = -1;
        }
    }

    private static TarArchiveEntry nextEntry(TarArchiveInputStream tar) throws IOException {
        try {
            return tar.getNextEntry();
        } catch (IllegalArgumentException e) {
            throw new LayerRejectedException("malformed tar header: " + e.getMessage());
        } catch (IOException e) {
            // Commons Compress reports bad headers as IOException; a transport failure would surface in
            // the layer source instead, so treat this as bad content.
            if (e instanceof ReadAheadInputStream.SourceException) throw e;
            if (e.getCause() instanceof dev.ato.rootfs.ImageException ie) throw ie;
            throw new LayerRejectedException("malformed tar stream: " + e.getMessage());
        }
    }

    private void ownRoot(Path dir) {
        try {
            AtFiles.chown(rootFd, uidBase, gidBase, dir.toString());
            AtFiles.chmod(rootFd, 0755, dir.toString());
        } catch (NativeException e) {
            throw fail("chown/chmod layer root " + dir, e);
        }
    }

    private void apply(TarArchiveInputStream tar, TarArchiveEntry e) throws IOException {
        String name = e.getName();
        List<byte[]> parts = LayerTree.split(name);
        if (parts.isEmpty()) {
            // The layer root itself ("./"): take its mode and time, not its existence.
            if (e.isDirectory()) {
                chownChmod(rootFd, e);
                dirTimes.put("", times(e));
            }
            return;
        }
        byte[] leaf = parts.get(parts.size() - 1);
        String parentKey = LayerTree.key(parts, parts.size() - 1);
        int parent = tree.resolveDir(parts, parts.size() - 1, true, name);
        String leafStr = new String(leaf, StandardCharsets.UTF_8);
        String fullKey = parentKey.isEmpty() ? leafStr : parentKey + "/" + leafStr;

        if (leafStr.startsWith(".wh.")) {
            if (leafStr.equals(".wh..wh..opq")) {
                try {
                    byte[] y = {'y'};
                    AtFiles.setXattr(parent, OPAQUE_XATTR, y, parentKey);
                } catch (NativeException ex) {
                    throw fail("set trusted.overlay.opaque on " + (parentKey.isEmpty() ? "/" : parentKey), ex);
                }
            } else if (!leafStr.startsWith(".wh..wh.")) {
                byte[] hidden = java.util.Arrays.copyOfRange(leaf, 4, leaf.length);
                if (hidden.length == 0 || LayerTree.isDots(hidden)) throw new LayerRejectedException("bad whiteout entry '" + name + "'");
                String hiddenKey = parentKey.isEmpty() ? leafStr.substring(4) : parentKey + "/" + leafStr.substring(4);
                removeExisting(parent, hidden, hiddenKey);
                try {
                    AtFiles.mknod(parent, AtFiles.cstring(hidden), LibC.S_IFCHR, 0);
                } catch (NativeException ex) {
                    throw fail("mknod whiteout " + hiddenKey, ex);
                }
            }
            return;
        }

        byte[] cleaf = AtFiles.cstring(leaf);
        if (e.isDirectory()) {
            try {
                AtFiles.mkdir(parent, cleaf, 0700);
            } catch (NativeException ex) {
                if (ex.errno() != Errno.EEXIST) throw fail("mkdir " + fullKey, ex);
                if (!tree.isDirAt(parent, cleaf)) {
                    removeExisting(parent, leaf, fullKey);
                    mkdir(parent, cleaf, fullKey);
                }
            }
            int fd = tree.openDirAt(parent, cleaf, fullKey);
            chownChmod(fd, e);
            tree.cacheDir(fullKey, fd);
            dirTimes.put(fullKey, times(e));
        } else if (e.isSymbolicLink()) {
            byte[] target = AtFiles.cstring(e.getLinkName().getBytes(StandardCharsets.UTF_8));
            createRetrying(parent, leaf, fullKey, () -> AtFiles.symlink(target, parent, cleaf));
            try {
                AtFiles.chown(parent, cleaf, shiftUid(e.getLongUserId()), shiftGid(e.getLongGroupId()));
                AtFiles.setTimes(parent, cleaf, times4(e));
            } catch (NativeException ex) {
                throw fail("set owner/time of symlink " + fullKey, ex);
            }
        } else if (e.isLink()) {
            List<byte[]> tparts = LayerTree.split(e.getLinkName());
            if (tparts.isEmpty()) throw new LayerRejectedException("hardlink '" + name + "' points at the layer root");
            int tparent = tree.resolveDir(tparts, tparts.size() - 1, false, e.getLinkName());
            byte[] tleaf = AtFiles.cstring(tparts.get(tparts.size() - 1));
            if (tree.isDirAt(tparent, tleaf)) throw new LayerRejectedException("hardlink '" + name + "' points at a directory");
            createRetrying(parent, leaf, fullKey, () -> AtFiles.link(tparent, tleaf, parent, cleaf));
        } else if (e.isCharacterDevice() || e.isBlockDevice()) {
            // Device nodes are skipped: a container gets its /dev from the sandbox, never from an image.
        } else if (e.isFIFO()) {
            createRetrying(parent, leaf, fullKey, () -> AtFiles.mknod(parent, cleaf, LibC.S_IFIFO | 0600, 0));
            try {
                AtFiles.chown(parent, cleaf, shiftUid(e.getLongUserId()), shiftGid(e.getLongGroupId()));
                AtFiles.chmodCreated(parent, cleaf, e.getMode() & 07777);
                AtFiles.setTimes(parent, cleaf, times4(e));
            } catch (NativeException ex) {
                throw fail("set owner/mode of fifo " + fullKey, ex);
            }
        } else if (isRegular(e)) {
            long size = e.isSparse() ? e.getRealSize() : e.getSize();
            if (size < 0 || size > maxBytes - contentBytes) {
                throw new LayerRejectedException("layer exceeds the size cap of " + maxBytes + " bytes at '" + name + "' (" + size + " bytes declared)");
            }
            contentBytes += size;
            int[] fdBox = new int[1];
            createRetrying(parent, leaf, fullKey, () -> fdBox[0] = AtFiles.createFile(parent, cleaf, 0600));
            int fd = fdBox[0];
            try {
                files.begin(fd, fullKey);
                long read = e.isSparse() ? copySparse(tar, e, fullKey) : copy(tar, size, fullKey);
                if (read != size) throw new LayerRejectedException("entry '" + name + "' holds " + read + " bytes but declares " + size);
                files.finish(size);
                chownChmod(fd, e);
                AtFiles.setTimes(fd, times4(e), fullKey);
            } catch (NativeException ex) {
                throw fail("write " + fullKey, ex);
            } finally {
                Sys.closeQuietly(fd);
            }
        } else {
            throw new LayerRejectedException("unsupported tar entry type '" + (char) e.getLinkFlag() + "' at '" + name + "'");
        }
    }

    private static boolean isRegular(TarArchiveEntry e) {
        byte f = e.getLinkFlag();
        return f == 0 || f == '0' || f == '7' || e.isSparse();
    }

    private interface Create {
        void run();
    }

    /** Creates a leaf; when the name exists (a later entry overrides an earlier one), removes it and retries once. */
    private void createRetrying(int parent, byte[] leaf, String key, Create create) {
        try {
            create.run();
        } catch (NativeException ex) {
            if (ex.errno() != Errno.EEXIST) throw fail("create " + key, ex);
            removeExisting(parent, leaf, key);
            try {
                create.run();
            } catch (NativeException ex2) {
                throw fail("create " + key, ex2);
            }
        }
    }

    /** Copies a plain entry's data (at most {@code declared} bytes); returns how many there were. */
    private long copy(TarArchiveInputStream tar, long declared, String key) throws IOException {
        long total = 0;
        int n;
        while ((n = tar.read(buffer, 0, buffer.length)) > 0) {
            total += n;
            if (total > declared) throw new LayerRejectedException("entry '" + key + "' is longer than it declares");
            files.write(buffer, 0, n);
        }
        return total;
    }

    /**
     * Copies a sparse entry (GNU old-style, PAX 0.0/0.1/1.0) region by region from its sparse map: the holes
     * are skipped in the tar stream (Commons Compress serves them as zeros without reading anything) and stay
     * holes in the file. Returns the real size covered, trailing hole included.
     */
    private long copySparse(TarArchiveInputStream tar, TarArchiveEntry e, String key) throws IOException {
        List<TarArchiveStructSparse> map;
        try {
            map = e.getOrderedSparseHeaders();
        } catch (IOException | RuntimeException ex) {
            throw new LayerRejectedException("entry '" + key + "' has a bad sparse map: " + ex.getMessage());
        }
        long at = 0;
        for (TarArchiveStructSparse s : map) {
            if (s.getOffset() > at) {
                skipFully(tar, s.getOffset() - at, key);
                at = s.getOffset();
                files.skipTo(at);
            }
            long left = s.getNumbytes();
            while (left > 0) {
                int n = tar.read(buffer, 0, (int) Math.min(buffer.length, left));
                if (n <= 0) throw new LayerRejectedException("entry '" + key + "' ends inside its sparse map");
                files.write(buffer, 0, n);
                left -= n;
            }
            at += s.getNumbytes();
        }
        if (tar.read(buffer, 0, 1) > 0) throw new LayerRejectedException("entry '" + key + "' has data outside its sparse map");
        return Math.max(at, e.getRealSize());
    }

    private static void skipFully(TarArchiveInputStream tar, long n, String key) throws IOException {
        while (n > 0) {
            long k = tar.skip(n);
            if (k <= 0) throw new LayerRejectedException("entry '" + key + "' ends inside a hole of its sparse map");
            n -= k;
        }
    }

    private void mkdir(int parent, byte[] cleaf, String key) {
        try {
            AtFiles.mkdir(parent, cleaf, 0700);
        } catch (NativeException ex) {
            throw fail("mkdir " + key, ex);
        }
    }

    private void chownChmod(int fd, TarArchiveEntry e) {
        try {
            // chown first: it clears set-id bits, which chmod then restores.
            AtFiles.chown(fd, shiftUid(e.getLongUserId()), shiftGid(e.getLongGroupId()), e.getName());
            AtFiles.chmod(fd, e.getMode() & 07777, e.getName());
        } catch (NativeException ex) {
            throw fail("chown/chmod " + e.getName(), ex);
        }
    }

    int shiftUid(long id) {
        return uidBase + (int) (id >= 0 && id < idCount ? id : Math.min(NOBODY, idCount - 1));
    }

    int shiftGid(long id) {
        return gidBase + (int) (id >= 0 && id < idCount ? id : Math.min(NOBODY, idCount - 1));
    }

    private static long[] times(TarArchiveEntry e) {
        FileTime t = e.getLastModifiedTime();
        java.time.Instant i = t == null ? java.time.Instant.EPOCH : t.toInstant();
        return new long[] {i.getEpochSecond(), i.getNano()};
    }

    private static long[] times4(TarArchiveEntry e) {
        long[] t = times(e);
        return new long[] {t[0], t[1], t[0], t[1]};
    }

    private void setTimesAt(String key, long[] t) {
        long[] t4 = {t[0], t[1], t[0], t[1]};
        try {
            if (key.isEmpty()) {
                AtFiles.setTimes(rootFd, t4, "/");
                return;
            }
            List<byte[]> parts = LayerTree.split(key);
            int parent = tree.resolveDir(parts, parts.size() - 1, false, key);
            AtFiles.setTimes(parent, AtFiles.cstring(parts.get(parts.size() - 1)), t4);
        } catch (NativeException | LayerRejectedException ignored) {
            // The directory was replaced or removed by a later entry: nothing to date.
        }
    }

    /** Removes whatever is at parent/leaf (recursively for directories, never following links). */
    private void removeExisting(int parent, byte[] leaf, String key) {
        dirTimes.keySet().removeIf(k -> k.equals(key) || k.startsWith(key + "/"));
        tree.remove(parent, leaf, key);
    }

    private static LayerRejectedException fail(String what, NativeException e) {
        return LayerTree.fail(what, e);
    }

}
