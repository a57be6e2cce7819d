package dev.ato.rootfs.store;

import dev.ato.rootfs.StoreConfig;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The parts of one open store, wired together once: what {@code ImageStore} delegates to and what each
 * image source (registry, docker archive, OCI layout, Debian build) writes through.
 *
 * @param config  the store's settings
 * @param layout  where things live
 * @param locks   the store and layer locks
 * @param pins    layers of operations in progress
 * @param records image records
 * @param usage   bytes and entries per layer
 * @param layers  extracts and publishes layers
 * @param gc      removes what nothing uses
 */
public record StoreParts(StoreConfig config, StoreLayout layout, StoreLocks locks, LayerPins pins, ImageRecords records,
                         StoreUsage usage, LayerWriter layers, GarbageCollector gc) {

    /** Makes the directories (root-only), sweeps leftovers of dead processes, and wires the parts. */
    public static StoreParts open(Path root, StoreConfig config) throws IOException {
        StoreLayout layout = StoreLayout.create(root);
        StoreLocks locks = StoreLocks.of(layout);
        LayerPins pins = new LayerPins(layout, locks);
        ImageRecords records = new ImageRecords(layout, locks);
        StoreUsage usage = new StoreUsage(layout);
        LayerWriter layers = new LayerWriter(layout, locks, usage, config);
        GarbageCollector gc = new GarbageCollector(layout, locks, records, pins, usage);
        layout.sweepTmp();
        return new StoreParts(config, layout, locks, pins, records, usage, layers, gc);
    }

    /** Starts putting one image (named {@code image} in messages) into the store. */
    public ImageSession begin(String image) {
        return new ImageSession(this, image);
    }
}
