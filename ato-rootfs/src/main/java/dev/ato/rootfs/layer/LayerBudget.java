package dev.ato.rootfs.layer;

/**
 * What one extraction may still put on disk, beyond the layer's own caps: the image's and the store's
 * share, and the file system's free space. The extractor asks before it creates each entry and before it
 * writes each run of file data (holes are not written, so they are not charged); a refusal throws
 * {@link LayerRejectedException} with a line naming the image, the layer and the cap.
 */
public interface LayerBudget {
    /** Charges one entry (file, directory, link, whiteout ...) about to be created. */
    void entry(String name);

    /** Charges {@code bytes} of file data about to be written. */
    void bytes(String name, long bytes);

    /** No limit beyond the extractor's own. */
    LayerBudget UNLIMITED = new LayerBudget() {
        @Override
        public void entry(String name) { }

        @Override
        public void bytes(String name, long bytes) { }
    };
}
