package dev.ato.rootfs.store;

import com.google.common.util.concurrent.Striped;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The locks of one store, against threads of this JVM and other processes alike. One instance per store
 * root per JVM (however many {@code ImageStore}s are opened on it), because a JVM may hold one file lock per
 * region only and Linux drops a process's fcntl locks on a file when any of its descriptors of that file closes.
 *
 * <ul>
 * <li>The <b>store lock</b> ({@code locks/store.lock}) serialises record writes, pins and gc.</li>
 * <li><b>Layer locks</b> make concurrent pulls of one layer extract it once: {@value #STRIPES} stripes keyed by
 * the diff_id's first hex digits, each an in-JVM lock plus a one-byte region of {@code locks/layers.lock}
 * (one file, kept open, so no lock file is left per layer). Two layers sharing a stripe only wait for each other.</li>
 * </ul>
 */
public final class StoreLocks {
    static final int STRIPES = 4096;
    private static final ConcurrentHashMap<Path, StoreLocks> BY_ROOT = new ConcurrentHashMap<>();

    private final Path storeLockFile;
    private final ReentrantLock store = new ReentrantLock();
    private final Striped<Lock> stripes = Striped.lock(STRIPES);
    private final FileChannel layerFile;

    private StoreLocks(StoreLayout layout) throws IOException {
        this.storeLockFile = layout.locks().resolve("store.lock");
        this.layerFile = FileChannel.open(layout.locks().resolve("layers.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    }

    /** The locks of the store at {@code layout}'s root, shared by everything in this JVM. */
    public static StoreLocks of(StoreLayout layout) throws IOException {
        try {
            return BY_ROOT.computeIfAbsent(layout.root().normalize(), r -> {
                try {
                    return new StoreLocks(layout);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
        } catch (java.io.UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /** A body run under a lock. */
    @FunctionalInterface
    public interface Body<T> {
        T run() throws IOException;
    }

    /** Runs {@code body} holding the store lock (re-entrant within a thread). */
    public <T> T withStore(Body<T> body) throws IOException {
        store.lock();
        try {
            if (store.getHoldCount() > 1) return body.run();
            try (FileChannel ch = FileChannel.open(storeLockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileLock ignored = ch.lock()) {
                return body.run();
            }
        } finally {
            store.unlock();
        }
    }

    /** Runs {@code body} holding the lock of the layer {@code hex}, waiting for it. */
    public <T> T withLayer(String hex, Body<T> body) throws IOException {
        int stripe = stripe(hex);
        Lock l = stripes.getAt(stripe);
        l.lock();
        try (FileLock ignored = layerFile.lock(stripe, 1, false)) {
            return body.run();
        } finally {
            l.unlock();
        }
    }

    /** Runs {@code body} holding the lock of the layer {@code hex} if it is free now; false when it is not. */
    public boolean tryLayer(String hex, Body<?> body) throws IOException {
        int stripe = stripe(hex);
        Lock l = stripes.getAt(stripe);
        if (!l.tryLock()) return false;
        try (FileLock fl = layerFile.tryLock(stripe, 1, false)) {
            if (fl == null) return false;
            body.run();
            return true;
        } finally {
            l.unlock();
        }
    }

    private static int stripe(String hex) {
        return Integer.parseInt(hex.substring(0, 3), 16) % STRIPES;
    }
}
