package dev.ato.rootfs.layer;

import com.github.luben.zstd.ZstdInputStream;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;

/** Recognises a layer's compression by its magic bytes (media types lie often enough) and unwraps it. */
public final class Compression {
    private Compression() { }

    /** Wraps {@code in} in the right decompressor: gzip, zstd, or none for a plain tar. */
    public static InputStream decompress(InputStream in) throws IOException {
        BufferedInputStream b = in instanceof BufferedInputStream bis ? bis : new BufferedInputStream(in, 1 << 16);
        b.mark(4);
        byte[] magic = b.readNBytes(4);
        b.reset();
        if (magic.length >= 2 && (magic[0] & 0xff) == 0x1f && (magic[1] & 0xff) == 0x8b) {
            // java.util.zip's inflater is zlib itself, and it reads concatenated members (pigz output) too.
            return new BufferedInputStream(new GZIPInputStream(b, 1 << 16), 1 << 16);
        }
        if (magic.length == 4 && (magic[0] & 0xff) == 0x28 && (magic[1] & 0xff) == 0xb5 && (magic[2] & 0xff) == 0x2f && (magic[3] & 0xff) == 0xfd) {
            return new BufferedInputStream(new ZstdInputStream(b), 1 << 16);
        }
        return b;
    }
}
