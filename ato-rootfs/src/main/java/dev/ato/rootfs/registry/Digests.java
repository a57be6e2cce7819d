package dev.ato.rootfs.registry;

import dev.ato.rootfs.ImageException;
import dev.ato.rootfs.layer.Sha256;

import java.util.regex.Pattern;

/** sha256 digests in the {@code sha256:<hex>} form OCI uses. */
public final class Digests {
    private static final Pattern SHA256 = Pattern.compile("sha256:[0-9a-f]{64}");

    private Digests() { }

    /** The digest of some bytes. */
    public static String sha256(byte[] data) {
        return Sha256.format(Sha256.newDigest().digest(data));
    }

    /** Refuses anything but a well-formed sha256 digest (they become file names in the store). */
    public static String require(String digest, String what) {
        if (digest == null || !SHA256.matcher(digest).matches()) {
            throw new ImageException(ImageException.Kind.REJECTED_CONTENT, what + " has an unsupported or malformed digest: " + digest);
        }
        return digest;
    }

    /** The hex part of a validated digest. */
    public static String hex(String digest) {
        return require(digest, "digest").substring("sha256:".length());
    }
}
