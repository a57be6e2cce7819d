package dev.ato.rootfs.layer;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Reads its source on a separate thread, a few chunks ahead of the consumer. The layer extractor puts
 * network reads, digest checks, decompression and the diff_id hash on that thread, so they overlap with
 * the file writes, the way {@code gzip -d | tar -x} runs as two processes. Errors of the source reach
 * the consumer at the point where it would have read the failing bytes. Closing stops the thread.
 */
final class ReadAheadInputStream extends InputStream {
    private static final int CHUNK = 256 * 1024;
    private static final byte[] END = new byte[0];

    private final BlockingQueue<Object> queue = new ArrayBlockingQueue<>(16);
    private final Thread thread;
    private volatile boolean closed;
    private byte[] current = new byte[0];
    private int pos;
    private int limit;
    private boolean eof;

    ReadAheadInputStream(InputStream source) {
        thread = Thread.ofPlatform().daemon().name("ato-layer-read-ahead").start(() -> pump(source));
    }

    private void pump(InputStream source) {
        try {
            while (!closed) {
                byte[] buf = new byte[CHUNK];
                int n = source.readNBytes(buf, 0, CHUNK);
                if (n > 0) {
                    put(n == CHUNK ? buf : java.util.Arrays.copyOf(buf, n));
                }
                if (n < CHUNK) {
                    put(END);
                    return;
                }
            }
        } catch (Throwable t) {
            put(t);
        }
    }

    private void put(Object item) {
        try {
            while (!closed) {
                if (queue.offer(item, 100, TimeUnit.MILLISECONDS)) return;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private boolean fill() throws IOException {
        if (eof) return false;
        Object item;
        try {
            item = queue.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while reading the layer");
        }
        if (item instanceof Throwable t) {
            eof = true;
            if (t instanceof IOException io) throw new SourceException(io);
            if (t instanceof RuntimeException re) throw re;
            if (t instanceof Error er) throw er;
            throw new IOException(t);
        }
        byte[] b = (byte[]) item;
        if (b == END) {
            eof = true;
            return false;
        }
        current = b;
        pos = 0;
        limit = b.length;
        return true;
    }

    /** A failure of the source (network, disk), as opposed to bad content found by the consumer. */
    static final class SourceException extends IOException {
        SourceException(IOException cause) {
            super(cause.getMessage(), cause);
        }
    }

    @Override
    public int read() throws IOException {
        if (pos >= limit && !fill()) return -1;
        return current[pos++] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) return 0;
        if (pos >= limit && !fill()) return -1;
        int n = Math.min(len, limit - pos);
        System.arraycopy(current, pos, b, off, n);
        pos += n;
        return n;
    }

    @Override
    public void close() {
        closed = true;
        queue.clear();
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
