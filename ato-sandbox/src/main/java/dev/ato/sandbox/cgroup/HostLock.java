package dev.ato.sandbox.cgroup;

import dev.ato.sandbox.SandboxException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Tells the sweep whether this process is the only one on the host using a cgroup name. A leftover run and
 * a live run of another process look alike in the tree, so a sweep while another process works would kill
 * that process's runs. Each process holding a driver locks one byte of a lock file, at the offset of its
 * pid, for its lifetime (POSIX record locks, released by the kernel when the process dies, however it
 * dies); the sweep runs only if it can lock every other byte too, and holds them while it sweeps, so no
 * process can start using the name meanwhile.
 */
final class HostLock {
    private static final long RANGE_END = Long.MAX_VALUE;

    private final Path file;
    private final FileChannel channel;
    private final long own;

    private HostLock(Path file, FileChannel channel, long own) {
        this.file = file;
        this.channel = channel;
        this.own = own;
    }

    /** Locks this process's byte of the name's lock file in /run (or java.io.tmpdir where /run is missing). */
    static HostLock acquire(String name) {
        Path dir = Path.of("/run");
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS) || !Files.isWritable(dir)) dir = Path.of(System.getProperty("java.io.tmpdir"));
        return acquire(dir.resolve("ato-cgroup-" + name + ".lock"));
    }

    static HostLock acquire(Path file) {
        try {
            FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
            long pid = ProcessHandle.current().pid();
            try {
                // Blocks while another process sweeps (it holds every byte but its own).
                ch.lock(pid, 1, false);
            } catch (IOException | RuntimeException e) {
                ch.close();
                throw e;
            }
            return new HostLock(file, ch, pid);
        } catch (IOException e) {
            throw new SandboxException("lock " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Runs {@code work} while holding every byte of the lock file, if no other live process holds one.
     *
     * @return false, without running {@code work}, when another process uses the name
     */
    boolean whileAlone(Runnable work) {
        FileLock below = null;
        FileLock above = null;
        try {
            below = channel.tryLock(0, own, false);
            above = below == null ? null : channel.tryLock(own + 1, RANGE_END - own - 1, false);
            if (below == null || above == null) return false;
            work.run();
            return true;
        } catch (IOException e) {
            throw new SandboxException("lock " + file + ": " + e.getMessage(), e);
        } finally {
            release(above);
            release(below);
        }
    }

    private void release(FileLock lock) {
        if (lock == null) return;
        try {
            lock.release();
        } catch (IOException e) {
            throw new SandboxException("unlock " + file + ": " + e.getMessage(), e);
        }
    }

    Path file() {
        return file;
    }
}
