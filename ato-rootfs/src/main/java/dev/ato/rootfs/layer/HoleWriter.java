package dev.ato.rootfs.layer;

import dev.ato.sandbox.nativeaccess.AtFiles;
import dev.ato.sandbox.nativeaccess.Errno;
import dev.ato.sandbox.nativeaccess.NativeException;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Writes one regular file's data so that every aligned {@value #BLOCK}-byte block of zeros stays a hole, as
 * {@code cp --sparse=always} does, and holes of a sparse tar entry are skipped without being read. Data is
 * staged in a buffer whose start is a file offset; full blocks are tested with a vectorised compare, runs of
 * non-zero blocks go out in one {@code pwrite(2)}, and {@link #finish} sets the length so a trailing hole
 * counts. What is written is charged to the {@link LayerBudget} first, so a hostile layer is refused before
 * the disk fills, while a 3 GiB file of zeros takes no disk at all.
 *
 * <p>Not thread-safe; one per extractor, reused file after file.
 */
final class HoleWriter {
    static final int BLOCK = 4096;
    private static final byte[] ZEROS = new byte[BLOCK];

    private final byte[] stage;
    private final ByteBuffer direct;
    private final LayerBudget budget;
    private int fd = -1;
    private String name;
    /** File offset of stage[0]. */
    private long at;
    private int fill;
    private long written;

    HoleWriter(int size, LayerBudget budget) {
        if (size % BLOCK != 0) throw new IllegalArgumentException("stage must be whole blocks");
        this.stage = new byte[size];
        this.direct = ByteBuffer.allocateDirect(size);
        this.budget = budget;
    }

    /** Starts a file: data goes to {@code fd}, from offset 0. */
    void begin(int fd, String name) {
        this.fd = fd;
        this.name = name;
        this.at = 0;
        this.fill = 0;
    }

    /** Adds data at the current offset. */
    void write(byte[] b, int off, int len) {
        while (len > 0) {
            int n = Math.min(len, stage.length - fill);
            System.arraycopy(b, off, stage, fill, n);
            fill += n;
            off += n;
            len -= n;
            if (fill == stage.length) flush();
        }
    }

    /** Leaves a hole up to file offset {@code offset} (not before the current offset). */
    void skipTo(long offset) {
        flush();
        if (offset < at) throw new LayerRejectedException("sparse map of '" + name + "' goes backwards");
        at = offset;
    }

    /** Writes what is staged and sets the file's length to {@code size}. */
    void finish(long size) {
        flush();
        try {
            AtFiles.truncate(fd, size, name);
        } catch (NativeException e) {
            throw new LayerRejectedException("truncate " + name + ": " + Errno.name(e.errno()));
        }
        fd = -1;
    }

    /** Bytes of data written (holes excluded) since this writer was made. */
    long written() {
        return written;
    }

    private void flush() {
        int i = 0;
        while (i < fill) {
            int end = Math.min(i + BLOCK, fill);
            if (isZero(i, end)) {
                i = end;
                continue;
            }
            int runEnd = end;
            while (runEnd < fill) {
                int next = Math.min(runEnd + BLOCK, fill);
                if (isZero(runEnd, next)) break;
                runEnd = next;
            }
            pwrite(i, runEnd - i);
            i = runEnd;
        }
        at += fill;
        fill = 0;
    }

    private boolean isZero(int from, int to) {
        return Arrays.mismatch(stage, from, to, ZEROS, 0, to - from) < 0;
    }

    private void pwrite(int from, int len) {
        budget.bytes(name, len);
        direct.clear();
        direct.put(stage, from, len);
        int off = 0;
        while (off < len) {
            // JNA passes a direct buffer's address plus its position.
            direct.position(off);
            long w;
            try {
                w = AtFiles.writeAt(fd, direct, len - off, at + from + off, name);
            } catch (NativeException e) {
                throw new LayerRejectedException("write " + name + ": " + Errno.name(e.errno()));
            }
            if (w <= 0) throw new LayerRejectedException("write " + name + ": short write");
            off += (int) w;
        }
        written += len;
    }
}
