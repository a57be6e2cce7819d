package dev.ato.rootfs.layer;

import java.io.IOException;
import java.io.InputStream;

/**
 * Ends a tar stream properly when its writer did not: some writers (umoci, for one) stop right after
 * the last file's data, without the padding to 512 bytes and without the two zero blocks. Go's tar
 * reader and GNU tar accept that; Commons Compress calls it truncated. So at end of input this pads to
 * the block boundary and adds an end-of-archive marker. The diff_id is hashed below this, over the real
 * bytes, so a layer truncated in earnest still fails its digest check.
 */
final class EofPadding extends InputStream {
    private final InputStream in;
    private long count;
    private long padLeft = -1;

    EofPadding(InputStream in) {
        this.in = in;
    }

    @Override
    public int read() throws IOException {
        return InputStreams.readOneByte(this);
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) return 0;
        if (padLeft < 0) {
            int n = in.read(b, off, len);
            if (n >= 0) {
                count += n;
                return n;
            }
            padLeft = (512 - count % 512) % 512 + 1024;
        }
        if (padLeft == 0) return -1;
        int n = (int) Math.min(len, padLeft);
        java.util.Arrays.fill(b, off, off + n, (byte) 0);
        padLeft -= n;
        return n;
    }
}
