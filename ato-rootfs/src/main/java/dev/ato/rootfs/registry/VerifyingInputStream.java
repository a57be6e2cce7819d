package dev.ato.rootfs.registry;

import dev.ato.rootfs.ImageException;
import dev.ato.rootfs.layer.InputStreams;
import dev.ato.rootfs.layer.Sha256;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.function.LongConsumer;

/**
 * Passes a blob through while hashing and counting it; refuses to read past the expected size (or the cap)
 * and, at end of stream, throws unless the bytes match the expected digest (and size, when known). Callers
 * that may stop reading early call {@link #finish()} to drain and check.
 */
public final class VerifyingInputStream extends FilterInputStream {
    private final String expectedDigest;
    private final long expectedSize;
    private final long cap;
    private final String what;
    private final LongConsumer progress;
    private final MessageDigest sha;
    private long count;
    private boolean verified;

    /**
     * @param expectedDigest {@code sha256:<hex>}
     * @param expectedSize   exact size, or -1 when unknown
     * @param cap            most bytes ever read
     * @param what           names the blob in errors ("layer sha256:... of docker.io/library/alpine")
     * @param progress       receives the byte count as it grows
     */
    public VerifyingInputStream(InputStream in, String expectedDigest, long expectedSize, long cap, String what, LongConsumer progress) {
        super(in);
        if (!expectedDigest.startsWith("sha256:")) {
            throw new ImageException(ImageException.Kind.REJECTED_CONTENT, "unsupported digest algorithm in " + expectedDigest + " for " + what);
        }
        this.expectedDigest = expectedDigest;
        this.expectedSize = expectedSize;
        this.cap = expectedSize >= 0 ? Math.min(cap, expectedSize) : cap;
        if (expectedSize > cap) {
            throw new ImageException(ImageException.Kind.REJECTED_CONTENT, what + " declares " + expectedSize + " bytes, over the cap of " + cap);
        }
        this.what = what;
        this.progress = progress;
        this.sha = Sha256.newDigest();
    }

    @Override
    public int read() throws IOException {
        return InputStreams.readOneByte(this);
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        // Ask for at most one byte more than allowed, to notice an over-long body without buffering it.
        long room = cap - count + 1;
        int n = super.read(b, off, (int) Math.min(len, room));
        if (n < 0) {
            verify();
            return -1;
        }
        count += n;
        if (count > cap) {
            throw new ImageException(ImageException.Kind.REJECTED_CONTENT, what + " is longer than " + cap + " bytes");
        }
        sha.update(b, off, n);
        progress.accept(count);
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        byte[] buf = new byte[(int) Math.min(n, 8192)];
        int r = read(buf, 0, buf.length);
        return Math.max(r, 0);
    }

    @Override
    public boolean markSupported() {
        return false;
    }

    /** Reads whatever is left and checks size and digest. */
    public void finish() throws IOException {
        byte[] buf = new byte[65536];
        while (read(buf, 0, buf.length) >= 0) {
            // drain
        }
    }

    /** Bytes read so far. */
    public long count() {
        return count;
    }

    private void verify() {
        if (verified) return;
        if (expectedSize >= 0 && count != expectedSize) {
            throw new ImageException(ImageException.Kind.REJECTED_CONTENT, what + " ended after " + count + " of " + expectedSize + " bytes");
        }
        String actual = Sha256.format(sha.digest());
        if (!actual.equals(expectedDigest)) {
            throw new ImageException(ImageException.Kind.REJECTED_CONTENT, what + " does not match its digest: expected " + expectedDigest + ", got " + actual);
        }
        verified = true;
    }
}
