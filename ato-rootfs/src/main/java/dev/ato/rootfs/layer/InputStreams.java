package dev.ato.rootfs.layer;

import java.io.IOException;
import java.io.InputStream;

/** Plumbing shared by the counting, hashing and guarding streams of the layer and registry code. */
public final class InputStreams {
    private InputStreams() { }

    /**
     * Serves {@link InputStream#read()} through the stream's own {@code read(byte[], int, int)}, so a stream
     * that counts, hashes, caps or watches its bytes does so in one place whichever read a caller uses.
     *
     * @param in the stream whose array read does the work
     * @return the byte (0..255), or -1 at the end of the stream
     * @throws IOException as the array read throws it
     */
    public static int readOneByte(InputStream in) throws IOException {
        byte[] one = new byte[1];
        int n = in.read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }
}
