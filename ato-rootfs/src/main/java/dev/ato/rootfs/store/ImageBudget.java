package dev.ato.rootfs.store;

import dev.ato.rootfs.StoreCaps;
import dev.ato.rootfs.layer.LayerBudget;
import dev.ato.rootfs.layer.LayerRejectedException;
import dev.ato.rootfs.store.StoreUsage.Usage;
import dev.ato.sandbox.nativeaccess.AtFiles.FreeSpace;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The {@link StoreCaps} as one image's extraction sees them. The image's totals are shared by its layers
 * (a pull extracts up to three at once); each layer is also held to what the store and the file system had
 * left when it started ({@link #forLayer}). Every refusal is one line: the image, the layer, the cap.
 */
public final class ImageBudget {
    private final String image;
    private final StoreCaps caps;
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicLong entries = new AtomicLong();

    ImageBudget(String image, StoreCaps caps) {
        this.image = image;
        this.caps = caps;
    }

    /** Counts a layer already in the store against the image's caps. */
    void addPresent(String layerId, Usage u) {
        charge(bytes, u.bytes(), caps.imageBytes(), layerId, "the per-image cap of " + caps.imageBytes() + " bytes (imageBytes)");
        charge(entries, u.entries(), caps.imageEntries(), layerId, "the per-image cap of " + caps.imageEntries() + " entries (imageEntries)");
    }

    /**
     * The budget of one layer about to be extracted, given what the store holds and what the file system has
     * free now; refuses at once when the store is at its cap or the free space is already down to a reserve.
     */
    Share forLayer(String layerId, Usage store, FreeSpace free) {
        long storeBytesLeft = caps.storeBytes() - store.bytes();
        long storeEntriesLeft = caps.storeEntries() - store.entries();
        long freeBytesLeft = free.bytes() - caps.reserveBytes();
        long freeInodesLeft = free.inodes() < 0 ? Long.MAX_VALUE : free.inodes() - caps.reserveInodes();
        if (storeBytesLeft <= 0) throw refuse(layerId, "the per-store cap of " + caps.storeBytes() + " bytes (storeBytes): the store holds " + store.bytes());
        if (storeEntriesLeft <= 0) throw refuse(layerId, "the per-store cap of " + caps.storeEntries() + " entries (storeEntries): the store holds " + store.entries());
        if (freeBytesLeft <= 0) throw refuse(layerId, "the free-space reserve of " + caps.reserveBytes() + " bytes (reserveBytes): " + free.bytes() + " free");
        if (freeInodesLeft <= 0) throw refuse(layerId, "the free-inode reserve of " + caps.reserveInodes() + " inodes (reserveInodes): " + free.inodes() + " free");
        return new Share(layerId, storeBytesLeft, storeEntriesLeft, freeBytesLeft, freeInodesLeft);
    }

    /** Takes back what an extraction that was not kept (failed, or lost a race) charged to the image. */
    void refund(Share share) {
        bytes.addAndGet(-share.bytes.get());
        entries.addAndGet(-share.entries.get());
    }

    /** One layer's extraction: charges the image's totals and its own against the store's and the disk's room. */
    final class Share implements LayerBudget {
        private final String layerId;
        private final long storeBytesLeft;
        private final long storeEntriesLeft;
        private final long freeBytesLeft;
        private final long freeInodesLeft;
        private final AtomicLong bytes = new AtomicLong();
        private final AtomicLong entries = new AtomicLong();

        private Share(String layerId, long storeBytesLeft, long storeEntriesLeft, long freeBytesLeft, long freeInodesLeft) {
            this.layerId = layerId;
            this.storeBytesLeft = storeBytesLeft;
            this.storeEntriesLeft = storeEntriesLeft;
            this.freeBytesLeft = freeBytesLeft;
            this.freeInodesLeft = freeInodesLeft;
        }

        @Override
        public void entry(String name) {
            entries.incrementAndGet();
            charge(ImageBudget.this.entries, 1, caps.imageEntries(), layerId, "the per-image cap of " + caps.imageEntries() + " entries (imageEntries)");
            check(entries, storeEntriesLeft, "the per-store cap of " + caps.storeEntries() + " entries (storeEntries)");
            check(entries, freeInodesLeft, "the free-inode reserve of " + caps.reserveInodes() + " inodes (reserveInodes)");
        }

        @Override
        public void bytes(String name, long n) {
            bytes.addAndGet(n);
            charge(ImageBudget.this.bytes, n, caps.imageBytes(), layerId, "the per-image cap of " + caps.imageBytes() + " bytes (imageBytes)");
            check(bytes, storeBytesLeft, "the per-store cap of " + caps.storeBytes() + " bytes (storeBytes)");
            check(bytes, freeBytesLeft, "the free-space reserve of " + caps.reserveBytes() + " bytes (reserveBytes)");
        }

        private void check(AtomicLong counter, long left, String what) {
            if (counter.get() > left) throw refuse(layerId, what);
        }
    }

    private void charge(AtomicLong counter, long n, long cap, String layerId, String what) {
        if (counter.addAndGet(n) > cap) throw refuse(layerId, what);
    }

    private LayerRejectedException refuse(String layerId, String what) {
        return new LayerRejectedException("image " + image + " refused at layer " + layerId + ": over " + what);
    }
}
