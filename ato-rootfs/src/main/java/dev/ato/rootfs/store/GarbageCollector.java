package dev.ato.rootfs.store;

import dev.ato.rootfs.ImageException;
import dev.ato.rootfs.ImageException.Kind;
import dev.ato.rootfs.layer.FileOps;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;

/**
 * Removes layers that no image record names and no live operation has pinned ({@link LayerPins}), in any
 * process. Runs under the store lock, so it sees every record and pin written before it and none is
 * written while it runs; a layer whose lock another thread or process holds is left for the next time. A
 * layer is first renamed into {@code tmp/}, so no half-deleted layer is ever visible under its digest.
 */
public final class GarbageCollector {
    private final StoreLayout layout;
    private final StoreLocks locks;
    private final ImageRecords records;
    private final LayerPins pins;
    private final StoreUsage usage;

    GarbageCollector(StoreLayout layout, StoreLocks locks, ImageRecords records, LayerPins pins, StoreUsage usage) {
        this.layout = layout;
        this.locks = locks;
        this.records = records;
        this.pins = pins;
        this.usage = usage;
    }

    /** What a collection removed: diff_ids and the bytes their files held. */
    public record Collected(List<String> removedLayers, long bytesFreed) { }

    /** Removes every unreferenced, unpinned layer, leftovers of dead operations, and usage files of absent layers. */
    public Collected collect() {
        try {
            return locks.withStore(() -> {
                layout.sweepTmp();
                List<String> all = new ArrayList<>();
                try (DirectoryStream<Path> ds = Files.newDirectoryStream(layout.layers())) {
                    for (Path p : ds) all.add(p.getFileName().toString());
                }
                Collected c = remove(all);
                try (DirectoryStream<Path> ds = Files.newDirectoryStream(layout.usageDir())) {
                    for (Path p : ds) {
                        if (!layout.hasLayer(p.getFileName().toString())) Files.deleteIfExists(p);
                    }
                }
                return c;
            });
        } catch (IOException e) {
            throw new ImageException(Kind.IO, "gc " + layout.root() + ": " + e, e);
        }
    }

    /**
     * Removes those of {@code hexes} that no record names and nobody pins: what an operation that failed had
     * published, so a refused import leaves the store as it found it.
     */
    public void collect(Collection<String> hexes) {
        if (hexes.isEmpty()) return;
        try {
            locks.withStore(() -> remove(hexes));
        } catch (IOException e) {
            throw new ImageException(Kind.IO, "remove layers of a failed import from " + layout.root() + ": " + e, e);
        }
    }

    private Collected remove(Collection<String> candidates) throws IOException {
        Set<String> keep = records.referencedLayers();
        keep.addAll(pins.pinned());
        List<String> removed = new ArrayList<>();
        long[] freed = {0};
        for (String hex : candidates) {
            if (keep.contains(hex) || !layout.hasLayer(hex)) continue;
            locks.tryLayer(hex, () -> {
                Path doomed = layout.tmpPath("gc");
                Files.move(layout.layer(hex), doomed, StandardCopyOption.ATOMIC_MOVE);
                usage.forget(hex);
                freed[0] += StoreUsage.walk(doomed).bytes();
                FileOps.deleteTree(doomed);
                removed.add("sha256:" + hex);
                return null;
            });
        }
        FileOps.fsyncDirectory(layout.layers());
        return new Collected(removed, freed[0]);
    }
}
