package dev.ato.rootfs.layer;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * SHA-256 as the layer extractor, the registry's verifying stream and the store all use it: a fresh hasher,
 * and a finished hash in the {@code sha256:<hex>} form OCI digests and diff_ids take.
 */
public final class Sha256 {
    private Sha256() { }

    /**
     * A new SHA-256 hasher.
     *
     * @return the hasher
     */
    public static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            // Every Java platform must provide SHA-256 (MessageDigest's javadoc), so this is a broken JDK.
            throw new IllegalStateException(e);
        }
    }

    /**
     * A finished hash as an OCI digest.
     *
     * @param hash the 32 bytes of a SHA-256
     * @return {@code sha256:} and the lower-case hex of the hash
     */
    public static String format(byte[] hash) {
        return "sha256:" + HexFormat.of().formatHex(hash);
    }
}
