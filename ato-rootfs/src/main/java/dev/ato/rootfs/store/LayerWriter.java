package dev.ato.rootfs.store;

import dev.ato.rootfs.ImageException;
import dev.ato.rootfs.ImageException.Kind;
import dev.ato.rootfs.ProgressListener;
import dev.ato.rootfs.StoreConfig;
import dev.ato.rootfs.layer.Compression;
import dev.ato.rootfs.layer.FileOps;
import dev.ato.rootfs.layer.LayerExtractor;
import dev.ato.rootfs.registry.Digests;
import dev.ato.rootfs.registry.VerifyingInputStream;
import dev.ato.rootfs.store.StoreUsage.Usage;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.function.LongConsumer;

/**
 * Puts layers into the store: extracts into {@code tmp/}, checks the diff_id, records the usage, then
 * {@code syncfs} and an atomic rename into {@code layers/}, so a layer exists whole or not at all. Each
 * layer is extracted once however many threads or processes ask (its lock, then a second look), and each
 * extraction is held to the image's {@link ImageBudget}, with the store's usage and the file system's free
 * space read just before it starts.
 */
public final class LayerWriter {
    private final StoreLayout layout;
    private final StoreLocks locks;
    private final StoreUsage usage;
    private final StoreConfig config;

    LayerWriter(StoreLayout layout, StoreLocks locks, StoreUsage usage, StoreConfig config) {
        this.layout = layout;
        this.locks = locks;
        this.usage = usage;
        this.config = config;
    }

    /** Opens a layer's (possibly compressed) bytes, reporting raw bytes read. */
    @FunctionalInterface
    public interface LayerOpener {
        InputStream open(LongConsumer rawProgress) throws IOException;
    }

    /** A layer of an image: its diff_id, a short id for progress and messages, its blob size, where to read it. */
    public record LayerSource(String diffId, String id, long size, LayerOpener opener) { }

    /**
     * Makes sure the layer is in the store; true when this call extracted it, false when it was there.
     * Transport failures are retried with back-off when {@code retryNetwork}.
     */
    boolean ensure(LayerSource layer, ProgressListener progress, boolean retryNetwork, ImageBudget budget) {
        String hex = Digests.hex(layer.diffId());
        if (layout.hasLayer(hex)) {
            progress.finished(layer.id(), "already present");
            return false;
        }
        try {
            return locks.withLayer(hex, () -> {
                if (layout.hasLayer(hex)) {
                    progress.finished(layer.id(), "already present");
                    return false;
                }
                extractRetrying(layer, hex, progress, retryNetwork, budget);
                return true;
            });
        } catch (IOException e) {
            throw new ImageException(Kind.IO, "lock layer " + layer.diffId() + ": " + e, e);
        }
    }

    private void extractRetrying(LayerSource layer, String hex, ProgressListener progress, boolean retryNetwork, ImageBudget budget) {
        String id = layer.id();
        Duration backoff = config.initialBackoff();
        for (int attempt = 1; ; attempt++) {
            Path tmp = layout.newTmpDir("layer");
            ImageBudget.Share share = null;
            try {
                share = budget.forLayer(id, usage.total(), FileOps.freeSpace(layout.root()));
                progress.started(id, "pull", layer.size());
                LayerExtractor.Result r;
                try (InputStream raw = layer.opener().open(n -> progress.advanced(id, n))) {
                    try {
                        InputStream in = Compression.decompress(new BufferedInputStream(raw, 1 << 16));
                        r = extractor(share).extract(in, tmp, n -> { });
                    } catch (IOException e) {
                        throw classify(e, raw, id);
                    }
                    if (raw instanceof VerifyingInputStream v) v.finish();
                }
                if (!r.diffId().equals(layer.diffId())) {
                    throw new ImageException(Kind.REJECTED_CONTENT, "layer " + id + ": its uncompressed content has digest " + r.diffId() + " but the image config says " + layer.diffId());
                }
                publish(tmp, hex, r);
                progress.finished(id, "done");
                return;
            } catch (ImageException | IOException e) {
                StoreLayout.deleteQuietly(tmp);
                if (share != null) budget.refund(share);
                boolean transientFailure = e instanceof IOException || ((ImageException) e).kind() == Kind.NETWORK;
                if (!retryNetwork || !transientFailure || attempt >= config.attempts()) {
                    progress.finished(id, "failed");
                    if (e instanceof ImageException ie) throw ie;
                    throw new ImageException(Kind.NETWORK, "pull layer " + layer.diffId() + " (" + id + "): " + e, e);
                }
                progress.finished(id, "retrying after: " + e.getMessage());
                sleep(backoff, layer.diffId());
                backoff = backoff.multipliedBy(2);
            }
        }
    }

    private static void sleep(Duration d, String diffId) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            throw new ImageException(Kind.NETWORK, "interrupted while pulling layer " + diffId, ie);
        }
    }

    /** A tarball's layer, whose diff_id is learnt by extracting it. */
    record Extracted(String diffId, boolean published) { }

    /**
     * Extracts a tarball whose diff_id is not known in advance and publishes it under the computed one (unless
     * the store has it already); {@code pin} is told the diff_id before the layer appears in {@code layers/}.
     */
    Extracted extractUnknown(Path tarball, ProgressListener progress, ImageBudget budget, LayerPins.Pin pin) throws IOException {
        Path tmp = layout.newTmpDir("build");
        String id = "rootfs";
        ImageBudget.Share share = budget.forLayer(id, usage.total(), FileOps.freeSpace(layout.root()));
        try {
            progress.started(id, "extract", Files.size(tarball));
            LayerExtractor.Result r;
            try (InputStream in = Compression.decompress(new BufferedInputStream(Files.newInputStream(tarball), 1 << 16))) {
                r = extractor(share).extract(in, tmp, n -> progress.advanced(id, n));
            }
            String hex = Digests.hex(r.diffId());
            pin.add(java.util.List.of(hex));
            boolean published = locks.withLayer(hex, () -> {
                if (layout.hasLayer(hex)) return false;
                publish(tmp, hex, r);
                return true;
            });
            if (!published) budget.refund(share);
            progress.finished(id, "done");
            return new Extracted(r.diffId(), published);
        } catch (RuntimeException | IOException e) {
            budget.refund(share);
            throw e;
        } finally {
            StoreLayout.deleteQuietly(tmp);
        }
    }

    /** Records the usage, syncfs, renames into place, fsyncs the parent: the layer exists whole or not at all. */
    private void publish(Path tmp, String hex, LayerExtractor.Result r) throws IOException {
        usage.record(hex, new Usage(r.writtenBytes(), r.entries()));
        FileOps.syncFileSystem(tmp);
        try {
            Files.move(tmp, layout.layer(hex), StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            usage.forget(hex);
            throw new ImageException(Kind.IO, "the store's tmp and layers directories must be on one file system", e);
        }
        FileOps.fsyncDirectory(layout.layers());
    }

    /**
     * Tells a transport failure (worth a retry) from bad content. A blob that fails to decompress is read to
     * its end: a digest mismatch then names the real cause; a blob that matches its digest but does not
     * decompress is bad content; a read failure while draining is the network.
     */
    private static IOException classify(IOException e, InputStream raw, String id) throws IOException {
        if (!(raw instanceof VerifyingInputStream v)) {
            throw new ImageException(Kind.REJECTED_CONTENT, "layer " + id + " cannot be read: " + e.getMessage(), e);
        }
        try {
            v.finish();
        } catch (ImageException mismatch) {
            throw mismatch;
        } catch (IOException transport) {
            return transport;
        }
        throw new ImageException(Kind.REJECTED_CONTENT, "layer " + id + " matches its digest but is not a valid (compressed) tar: " + e.getMessage(), e);
    }

    private LayerExtractor extractor(ImageBudget.Share share) {
        return new LayerExtractor(config.uidBase(), config.gidBase(), config.idCount(), config.maxLayerBytes(), share);
    }
}
