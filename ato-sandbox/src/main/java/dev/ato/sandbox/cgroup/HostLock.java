package dev.ato.sandbox.cgroup;

import dev.ato.sandbox.SandboxException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;

/**
 * Tells the sweep whether this process is the only one on the host using a cgroup name. A leftover run and
 * a live run of another process look alike in the tree, so a sweep while another process works would kill
 * that process's runs. One lock file serves every name: a name owns a range of 2^22 bytes (at a hash of
 * the name), and each process using the name locks the byte at its pid in that range for its lifetime
 * (POSIX record locks, which the kernel drops when the process dies, however it dies). The sweep runs only
 * if it can lock the rest of the range too, and holds it while it sweeps, so no process can start using the
 * name meanwhile. Two names with the same hash merely make each other's sweeps more cautious.
 */
final class HostLock {
    /** PID_MAX_LIMIT on 64-bit kernels is 2^22: every pid has its byte. */
    private static final int PID_BITS = 22;
    private static final long RANGE = 1L << PID_BITS;

    /**
     * One channel per lock file for the whole JVM, never closed: closing any descriptor of a file drops all
     * of the process's record locks on it (fcntl(2)).
     */
    private static final Map<Path, FileChannel> CHANNELS = new HashMap<>();
    private static final Map<String, HostLock> LOCKS = new HashMap<>();

    private final Path file;
    private final FileChannel channel;
    private final long base;
    private final long own;
    private final String key;
    private final FileLock ownLock;

    private HostLock(Path file, FileChannel channel, long base, long own, String key, FileLock ownLock) {
        this.file = file;
        this.channel = channel;
        this.base = base;
        this.own = own;
        this.key = key;
        this.ownLock = ownLock;
    }

    /** This process's lock for {@code name} in /run/ato-cgroup.lock (java.io.tmpdir where /run is missing). */
    static HostLock acquire(String name) {
        Path dir = Path.of("/run");
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS) || !Files.isWritable(dir)) dir = Path.of(System.getProperty("java.io.tmpdir"));
        return acquire(dir.resolve("ato-cgroup.lock"), name);
    }

    /** This process's lock for {@code name} in {@code file}; the same object for the same file and range. */
    static synchronized HostLock acquire(Path file, String name) {
        long base = (name.hashCode() & 0x7fffffffL) << PID_BITS;
        String key = file + "@" + base;
        HostLock existing = LOCKS.get(key);
        if (existing != null) return existing;
        try {
            FileChannel ch = CHANNELS.get(file);
            if (ch == null) {
                ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
                CHANNELS.put(file, ch);
            }
            long pid = ProcessHandle.current().pid();
            if (pid >= RANGE) throw new SandboxException("pid " + pid + " beyond PID_MAX_LIMIT");
            // Blocks while another process sweeps this name (it holds the range but its own byte).
            FileLock ownLock = ch.lock(base + pid, 1, false);
            HostLock lock = new HostLock(file, ch, base, pid, key, ownLock);
            LOCKS.put(key, lock);
            return lock;
        } catch (IOException e) {
            throw new SandboxException("lock " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Runs {@code work} while holding the name's whole range, if no other live process holds a byte of it.
     *
     * @return false, without running {@code work}, when another process uses the name
     */
    synchronized boolean whileAlone(Runnable work) {
        FileLock below = null;
        FileLock above = null;
        try {
            below = own == 0 ? null : channel.tryLock(base, own, false);
            if (own != 0 && below == null) return false;
            above = channel.tryLock(base + own + 1, RANGE - own - 1, false);
            if (above == null) return false;
            work.run();
            return true;
        } catch (IOException e) {
            throw new SandboxException("lock " + file + ": " + e.getMessage(), e);
        } finally {
            release(above);
            release(below);
        }
    }

    /**
     * Runs {@code work} while holding the byte of process {@code pid}, if no live process holds it: that
     * process is gone (or never used the name), and none with its pid can start using the name meanwhile.
     *
     * @return false, without running {@code work}, when the process lives (or is this one)
     */
    synchronized boolean ifFree(long pid, Runnable work) {
        if (pid == own || pid < 0 || pid >= RANGE) return false;
        FileLock theirs;
        try {
            theirs = channel.tryLock(base + pid, 1, false);
        } catch (java.nio.channels.OverlappingFileLockException e) {
            return false; // this JVM holds it (another name with the same hash)
        } catch (IOException e) {
            throw new SandboxException("lock " + file + ": " + e.getMessage(), e);
        }
        if (theirs == null) return false;
        try {
            work.run();
            return true;
        } finally {
            release(theirs);
        }
    }

    /**
     * Says this process no longer uses the name: its byte is unlocked (the channel stays open, since closing
     * it would drop the locks of other names too). A later {@link #acquire} takes it again.
     */
    void release() {
        synchronized (HostLock.class) {
            if (LOCKS.remove(key) != this) return;
            synchronized (this) {
                release(ownLock);
            }
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
