package dev.ato.rootfs.layer;

import dev.ato.sandbox.nativeaccess.AtFiles;
import dev.ato.sandbox.nativeaccess.Errno;
import dev.ato.sandbox.nativeaccess.NativeException;
import dev.ato.sandbox.nativeaccess.Sys;
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
            byte[] c = AtFiles.cstring(parts.get(i));
            String ck = key(parts, i + 1);
            int next;
            try {
                next = AtFiles.openDirectory(fd, c);
            } catch (NativeException ex) {
                int errno = ex.errno();
                if (errno == Errno.ENOENT && create) {
                    try {
                        AtFiles.mkdir(fd, c, 0755);
                        next = AtFiles.openDirectory(fd, c);
                        AtFiles.chown(next, uidBase, gidBase, ck);
                        AtFiles.chmod(next, 0755, ck);
                    } catch (NativeException ex2) {
                        throw fail("create parent directory " + ck + " of '" + entryName + "'", ex2);
                    }
                } else if (errno == Errno.ELOOP || errno == Errno.ENOTDIR) {
                    throw new LayerRejectedException("entry '" + entryName + "' goes through '" + ck + "', which is a symlink or not a directory");
                } else if (errno == Errno.ENOENT) {
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
            return AtFiles.openDirectory(parent, cleaf);
        } catch (NativeException ex) {
            throw fail("open directory " + key, ex);
        }
    }

    void cacheDir(String key, int fd) {
        Integer old = dirs.put(key, fd);
        if (old != null && old != fd) Sys.closeQuietly(old);
    }

    /**
     * Closes the least recently used directory fds. Called only between entries, never while an entry
     * holds fds from the cache, so no fd in use is ever closed (and its number reused) under it.
     */
    void trimCache() {
        Iterator<Map.Entry<String, Integer>> it = dirs.entrySet().iterator();
        while (dirs.size() > DIR_CACHE && it.hasNext()) {
            Sys.closeQuietly(it.next().getValue());
            it.remove();
        }
    }

    boolean isDirAt(int parent, byte[] cleaf) {
        try {
            return AtFiles.isDirectory(parent, cleaf);
        } catch (NativeException ex) {
            return false;
        }
    }

    /** Removes whatever is at parent/leaf (recursively for directories, never following links), and forgets its fds. */
    void remove(int parent, byte[] leaf, String key) {
        Iterator<Map.Entry<String, Integer>> it = dirs.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<String, Integer> d = it.next();
            if (d.getKey().equals(key) || d.getKey().startsWith(key + "/")) {
                Sys.closeQuietly(d.getValue());
                it.remove();
            }
        }
        removeAt(parent, AtFiles.cstring(leaf), key, 0);
    }

    private void removeAt(int parent, byte[] cname, String key, int depth) {
        if (depth > 600) throw new LayerRejectedException("directory tree too deep at " + key);
        try {
            AtFiles.unlink(parent, cname);
            return;
        } catch (NativeException ex) {
            if (ex.errno() == Errno.ENOENT) return;
            if (ex.errno() != Errno.EISDIR && ex.errno() != Errno.EPERM) throw fail("unlink " + key, ex);
        }
        int fd;
        try {
            fd = AtFiles.openDirectory(parent, cname);
        } catch (NativeException ex) {
            throw fail("open " + key + " to remove it", ex);
        }
        List<byte[]> children;
        try {
            children = AtFiles.list(fd);
        } catch (NativeException ex) {
            Sys.closeQuietly(fd);
            throw fail("open " + key + " to list it", ex);
        }
        try {
            for (byte[] c : children) removeAt(fd, c, key + "/" + new String(c, 0, c.length - 1, StandardCharsets.UTF_8), depth + 1);
        } finally {
            Sys.closeQuietly(fd);
        }
        try {
            AtFiles.rmdir(parent, cname);
        } catch (NativeException ex) {
            throw fail("rmdir " + key, ex);
        }
    }

    static LayerRejectedException fail(String what, NativeException e) {
        return new LayerRejectedException(what + ": " + Errno.name(e.errno()));
    }

    @Override
    public void close() {
        for (int fd : dirs.values()) Sys.closeQuietly(fd);
        dirs.clear();
        Sys.closeQuietly(rootFd);
    }
}
