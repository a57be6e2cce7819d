package dev.ato.rootfs.layer;

import com.sun.jna.LastErrorException;
import com.sun.jna.Pointer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The directory tree of a layer being extracted, reached only through directory fds: names are split into
 * components and resolved from the root fd one component at a time with {@code openat(O_DIRECTORY|O_NOFOLLOW)},
 * so a symlink in a parent position is refused rather than followed. Keeps the last {@value #DIR_CACHE}
 * directory fds open (most entries land in the directory of the previous one) and removes trees with
 * {@code unlinkat} from their parent fd, never following a link.
 *
 * <p>Not thread-safe; one per extraction, {@link #close()}d at its end.
 */
final class LayerTree implements AutoCloseable {
    private static final int DIR_CACHE = 64;

    private final int uidBase;
    private final int gidBase;
    private final int rootFd;
    private final byte[] statBuf = new byte[256];
    /** Open directory fds by layer-relative path ("" is the root), least recently used first. */
    private final LinkedHashMap<String, Integer> dirs = new LinkedHashMap<>(128, 0.75f, true);

    /** Opens the layer's root directory; parents created on the way are owned by {@code uidBase:gidBase}. */
    LayerTree(Path dir, int uidBase, int gidBase) throws IOException {
        this.uidBase = uidBase;
        this.gidBase = gidBase;
        this.rootFd = FileOps.openDir(dir);
    }

    /** The fd of the layer's root. */
    int rootFd() {
        return rootFd;
    }

    /** Splits an entry name into components; drops "", "." and a leading "/"; refuses "..". */
    static List<byte[]> split(String name) {
        if (name.indexOf('\0') >= 0) throw new LayerRejectedException("entry name contains NUL: '" + name.replace('\0', '?') + "'");
        List<byte[]> out = new ArrayList<>();
        for (String c : name.split("/")) {
            if (c.isEmpty() || c.equals(".")) continue;
            if (c.equals("..")) throw new LayerRejectedException("entry '" + name + "' climbs out of the layer with '..'");
            byte[] b = c.getBytes(StandardCharsets.UTF_8);
            if (b.length > 255) throw new LayerRejectedException("entry '" + name + "' has a component longer than 255 bytes");
            out.add(b);
        }
        if (out.size() > 512) throw new LayerRejectedException("entry '" + name + "' is nested too deeply");
        return out;
    }

    static boolean isDots(byte[] b) {
        return (b.length == 1 && b[0] == '.') || (b.length == 2 && b[0] == '.' && b[1] == '.');
    }

    static String key(List<byte[]> parts, int n) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++) {
            if (i > 0) b.append('/');
            b.append(new String(parts.get(i), StandardCharsets.UTF_8));
        }
        return b.toString();
    }

    /**
     * Returns an fd of the directory made of the first {@code n} components, walking from the root with
     * O_NOFOLLOW; creates missing ones (owned by container root, 0755, as Docker does) when asked. A symlink
     * or non-directory in the way rejects the layer.
     */
    int resolveDir(List<byte[]> parts, int n, boolean create, String entryName) {
        if (n == 0) return rootFd;
        String k = key(parts, n);
        Integer cached = dirs.get(k);
        if (cached != null) return cached;
        // Start from the deepest cached ancestor.
        int start = 0;
        int fd = rootFd;
        for (int i = n - 1; i > 0; i--) {
            Integer c = dirs.get(key(parts, i));
            if (c != null) {
                fd = c;
                start = i;
                break;
            }
        }
        for (int i = start; i < n; i++) {
            byte[] c = Libc.path(parts.get(i));
            String ck = key(parts, i + 1);
            int next;
            try {
                next = Libc.openat(fd, c, Libc.O_DIR_NOFOLLOW, 0);
            } catch (LastErrorException ex) {
                int errno = ex.getErrorCode();
                if (errno == Libc.ENOENT && create) {
                    try {
                        Libc.mkdirat(fd, c, 0755);
                        next = Libc.openat(fd, c, Libc.O_DIR_NOFOLLOW, 0);
                        Libc.fchown(next, uidBase, gidBase);
                        Libc.fchmod(next, 0755);
                    } catch (LastErrorException ex2) {
                        throw fail("create parent directory " + ck + " of '" + entryName + "'", ex2);
                    }
                } else if (errno == Libc.ELOOP || errno == Libc.ENOTDIR) {
                    throw new LayerRejectedException("entry '" + entryName + "' goes through '" + ck + "', which is a symlink or not a directory");
                } else if (errno == Libc.ENOENT) {
                    throw new LayerRejectedException("'" + entryName + "' refers to '" + ck + "', which does not exist in the layer");
                } else {
                    throw fail("open directory " + ck, ex);
                }
            }
            cacheDir(ck, next);
            fd = next;
        }
        return fd;
    }

    int openDirAt(int parent, byte[] cleaf, String key) {
        try {
            return Libc.openat(parent, cleaf, Libc.O_DIR_NOFOLLOW, 0);
        } catch (LastErrorException ex) {
            throw fail("open directory " + key, ex);
        }
    }

    void cacheDir(String key, int fd) {
        Integer old = dirs.put(key, fd);
        if (old != null && old != fd) Libc.closeQuietly(old);
    }

    /**
     * Closes the least recently used directory fds. Called only between entries, never while an entry
     * holds fds from the cache, so no fd in use is ever closed (and its number reused) under it.
     */
    void trimCache() {
        Iterator<Map.Entry<String, Integer>> it = dirs.entrySet().iterator();
        while (dirs.size() > DIR_CACHE && it.hasNext()) {
            Libc.closeQuietly(it.next().getValue());
            it.remove();
        }
    }

    boolean isDirAt(int parent, byte[] cleaf) {
        try {
            Libc.fstatat(parent, cleaf, statBuf, Libc.AT_SYMLINK_NOFOLLOW);
        } catch (LastErrorException ex) {
            return false;
        }
        int mode = (statBuf[Libc.ST_MODE_OFFSET] & 0xff) | (statBuf[Libc.ST_MODE_OFFSET + 1] & 0xff) << 8
                | (statBuf[Libc.ST_MODE_OFFSET + 2] & 0xff) << 16 | (statBuf[Libc.ST_MODE_OFFSET + 3] & 0xff) << 24;
        return (mode & Libc.S_IFMT) == Libc.S_IFDIR;
    }

    /** Removes whatever is at parent/leaf (recursively for directories, never following links), and forgets its fds. */
    void remove(int parent, byte[] leaf, String key) {
        Iterator<Map.Entry<String, Integer>> it = dirs.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<String, Integer> d = it.next();
            if (d.getKey().equals(key) || d.getKey().startsWith(key + "/")) {
                Libc.closeQuietly(d.getValue());
                it.remove();
            }
        }
        removeAt(parent, Libc.path(leaf), key, 0);
    }

    private void removeAt(int parent, byte[] cname, String key, int depth) {
        if (depth > 600) throw new LayerRejectedException("directory tree too deep at " + key);
        try {
            Libc.unlinkat(parent, cname, 0);
            return;
        } catch (LastErrorException ex) {
            if (ex.getErrorCode() == Libc.ENOENT) return;
            if (ex.getErrorCode() != Libc.EISDIR && ex.getErrorCode() != 1) throw fail("unlink " + key, ex);
        }
        int fd;
        try {
            fd = Libc.openat(parent, cname, Libc.O_DIR_NOFOLLOW, 0);
        } catch (LastErrorException ex) {
            throw fail("open " + key + " to remove it", ex);
        }
        List<byte[]> children = new ArrayList<>();
        int childFd;
        try {
            childFd = Libc.openat(fd, Libc.path("."), Libc.O_RDONLY | Libc.O_DIRECTORY | Libc.O_CLOEXEC, 0);
        } catch (LastErrorException ex) {
            Libc.closeQuietly(fd);
            throw fail("open " + key + " to list it", ex);
        }
        Pointer dir = Libc.fdopendir(childFd);
        try {
            Pointer ent;
            while ((ent = Libc.readdir(dir)) != null) {
                byte[] nm = ent.getString(Libc.D_NAME_OFFSET, "ISO-8859-1").getBytes(StandardCharsets.ISO_8859_1);
                if (isDots(nm)) continue;
                children.add(Libc.path(nm));
            }
        } finally {
            Libc.closedir(dir);
        }
        try {
            for (byte[] c : children) removeAt(fd, c, key + "/" + new String(c, 0, c.length - 1, StandardCharsets.UTF_8), depth + 1);
        } finally {
            Libc.closeQuietly(fd);
        }
        try {
            Libc.unlinkat(parent, cname, Libc.AT_REMOVEDIR);
        } catch (LastErrorException ex) {
            throw fail("rmdir " + key, ex);
        }
    }

    static LayerRejectedException fail(String what, LastErrorException e) {
        return new LayerRejectedException(what + ": " + Libc.errnoName(e.getErrorCode()));
    }

    @Override
    public void close() {
        for (int fd : dirs.values()) Libc.closeQuietly(fd);
        dirs.clear();
        Libc.closeQuietly(rootFd);
    }
}
