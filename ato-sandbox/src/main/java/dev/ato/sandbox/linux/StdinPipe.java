package dev.ato.sandbox.linux;

import dev.ato.sandbox.SandboxException;
import dev.ato.sandbox.nativeaccess.NativeException;
import dev.ato.sandbox.nativeaccess.Sys;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * The standard input of an interactive run ({@code RunSpec.interactiveStdin}): a pipe whose read end is the init's
 * fd 0 (and, through the symlink {@code /ATO/input -> /proc/self/fd/0}, what the runner's {@code < /ATO/input}
 * opens: reopening an anonymous pipe never waits for a writer, unlike a FIFO), and whose write end a platform
 * thread of its own feeds with what the caller queues.
 *
 * <p>Back-pressure: each {@link #write} completes only when its bytes are in the pipe (64 KiB of kernel buffer),
 * so a program that does not read leaves the caller's futures pending, and the caller decides how much to have
 * outstanding; nothing is buffered here beyond what the caller queued. The blocking {@code write(2)} runs on this
 * class's platform thread, never on a caller's (virtual) thread. When the run ends, {@link #close} drops the JVM's
 * read end: with the container gone nobody reads, so a write still blocked fails with EPIPE, and everything queued
 * fails with "the run has ended".
 */
final class StdinPipe {
    private static final Object EOF = new Object();
    private static final Object STOP = new Object();

    private final int readEnd;
    private final int writeEnd;
    private final LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();
    private final Object lock = new Object();
    private boolean readClosed;
    private boolean eofQueued;
    private boolean stopped;

    private record Chunk(byte[] data, CompletableFuture<Void> done) { }

    /**
     * A pipe whose read end belongs to the container's root ({@code uid}/{@code gid}, so that the program may
     * reopen it by /proc/self/fd/0), fed first with {@code initial}.
     */
    StdinPipe(String runId, byte[] initial, int uid, int gid) {
        int[] fds = Sys.pipe();
        readEnd = fds[0];
        writeEnd = fds[1];
        try {
            Sys.fchown(readEnd, uid, gid, "the stdin pipe");
        } catch (NativeException e) {
            Sys.closeQuietly(readEnd);
            Sys.closeQuietly(writeEnd);
            throw new SandboxException("fchown of the stdin pipe failed");
        }
        if (initial.length > 0) write(initial);
        Thread t = new Thread(this::pump, "ato-stdin-" + runId);
        t.setDaemon(true);
        t.start();
    }

    /** The read end, to become the init's fd 0; owned here (closed by {@link #close}). */
    int readEnd() {
        return readEnd;
    }

    CompletableFuture<Void> write(byte[] data) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        synchronized (lock) {
            if (stopped || eofQueued) {
                done.completeExceptionally(new SandboxException(stopped ? "the run has ended"
                        : "standard input is closed"));
                return done;
            }
            queue.add(new Chunk(data.clone(), done));
        }
        return done;
    }

    void closeInput() {
        synchronized (lock) {
            if (stopped || eofQueued) return;
            eofQueued = true;
            queue.add(EOF);
        }
    }

    /** The run has ended (its processes are gone): fail what is pending and release both ends. */
    void close() {
        synchronized (lock) {
            if (stopped) return;
            stopped = true;
            queue.add(STOP);
            if (!readClosed) {
                readClosed = true;
                Sys.closeQuietly(readEnd);
            }
        }
    }

    private void pump() {
        boolean writeOpen = true;
        try {
            while (true) {
                Object item = queue.take();
                if (item == STOP) break;
                if (item == EOF) {
                    Sys.closeQuietly(writeEnd);
                    writeOpen = false;
                    continue;
                }
                Chunk c = (Chunk) item;
                if (!writeOpen) {
                    c.done().completeExceptionally(new SandboxException("standard input is closed"));
                    continue;
                }
                try {
                    Sys.writeAll(writeEnd, c.data(), "the run's standard input");
                    c.done().complete(null);
                } catch (SandboxException e) {
                    c.done().completeExceptionally(new SandboxException("the program's standard input is gone: "
                            + e.getMessage(), e));
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            if (writeOpen) Sys.closeQuietly(writeEnd);
            for (Object item : queue) {
                if (item instanceof Chunk c) c.done().completeExceptionally(new SandboxException("the run has ended"));
            }
        }
    }
}
