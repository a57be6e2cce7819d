package dev.ato.rootfs;

/**
 * What one image and the whole store may take on disk, and what the file system must keep free. Bytes are
 * file data written (holes of sparse files take none and count for none); entries are the files,
 * directories, links and whiteouts created (one inode each). An image counts all its layers, shared ones
 * included; the store counts every stored layer. Before each layer is extracted the free space and free
 * inodes of the store's file system are read, and the layer may use only what lies above the reserves. A
 * refusal names the image, the layer and the cap, and leaves the store as it was.
 *
 * @param imageBytes    bytes per image
 * @param imageEntries  entries per image
 * @param storeBytes    bytes of all layers in the store
 * @param storeEntries  entries of all layers in the store
 * @param reserveBytes  free bytes an extraction leaves on the store's file system
 * @param reserveInodes free inodes an extraction leaves (ignored on file systems without a fixed inode count)
 */
public record StoreCaps(long imageBytes, long imageEntries, long storeBytes, long storeEntries, long reserveBytes, long reserveInodes) {
    /** Validates. */
    public StoreCaps {
        if (imageBytes < 1 || imageEntries < 1 || storeBytes < 1 || storeEntries < 1) throw new IllegalArgumentException("image and store caps must be positive");
        if (reserveBytes < 0 || reserveInodes < 0) throw new IllegalArgumentException("reserves must not be negative");
    }

    /**
     * 32 GiB and 1 million entries per image (a Debian with compilers and TeX is a few GiB and about 200,000
     * entries), 256 GiB and 10 million entries per store, 1 GiB and 50,000 inodes kept free.
     */
    public static StoreCaps defaults() {
        return new StoreCaps(32L << 30, 1_000_000, 256L << 30, 10_000_000, 1L << 30, 50_000);
    }

    /** Different per-image caps. */
    public StoreCaps withImage(long bytes, long entries) {
        return new StoreCaps(bytes, entries, storeBytes, storeEntries, reserveBytes, reserveInodes);
    }

    /** Different per-store caps. */
    public StoreCaps withStore(long bytes, long entries) {
        return new StoreCaps(imageBytes, imageEntries, bytes, entries, reserveBytes, reserveInodes);
    }

    /** Different free-space reserves. */
    public StoreCaps withReserve(long bytes, long inodes) {
        return new StoreCaps(imageBytes, imageEntries, storeBytes, storeEntries, bytes, inodes);
    }
}
