package dev.ato.rootfs.layer;

import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.function.LongConsumer;

/** Counts, caps and hashes the uncompressed stream. */
final class HashingInputStream extends InputStream {
    private final InputStream in;
    private final long cap;
    private final LongConsumer progress;
    private final MessageDigest sha;
    private long count;
    private long lastReport;

    HashingInputStream(InputStream in, long cap, LongConsumer progress) {
        this.in = in;
        this.cap = cap;
        this.progress = progress;
        this.sha = Sha256.newDigest();
    }

    @Override
    public int read() throws IOException {
        return InputStreams.readOneByte(this);
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n = in.read(b, off, len);
        if (n > 0) {
            count += n;
            if (count > cap) throw new LayerRejectedException("uncompressed layer exceeds the size cap of " + cap + " bytes");
            sha.update(b, off, n);
            if (count - lastReport >= (1 << 20)) {
                lastReport = count;
                progress.accept(count);
            }
        }
        return n;
    }

    byte[] digest() {
        progress.accept(count);
        return sha.digest();
    }

    long count() {
        return count;
    }
}
