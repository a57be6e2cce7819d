package dev.ato.rootfs;

import dev.ato.rootfs.ImageException.Kind;
import dev.ato.rootfs.archive.DockerArchiveImporter;
import dev.ato.rootfs.archive.OciLayoutImporter;
import dev.ato.rootfs.build.DebianBuilder;
import dev.ato.rootfs.registry.RegistryPuller;
import dev.ato.rootfs.store.GarbageCollector;
import dev.ato.rootfs.store.StoreParts;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A content-addressed store of extracted images: the one entry point, delegating to the store's parts.
 *
 * <ul>
 * <li>{@code store/}: {@code StoreLayout} (what lives where under the root), {@code LayerWriter} (extract,
 * verify, publish one layer), {@code ImageRecords}, {@code LayerPins} (layers of operations in progress, kept
 * from gc in every process), {@code GarbageCollector}, {@code StoreLocks}, {@code StoreUsage} and
 * {@code ImageBudget} (the {@link StoreCaps}), {@code ImageSession} (one image going in, all or nothing).</li>
 * <li>One source each: {@code registry/RegistryPuller}, {@code archive/DockerArchiveImporter} (docker save,
 * OCI layout tars), {@code archive/OciLayoutImporter}, {@code build/DebianBuilder} (mmdebstrap).</li>
 * <li>{@code layer/LayerExtractor}: one tar into one directory, safely.</li>
 * </ul>
 * Layers are keyed by diff_id rather than blob digest, so one content compressed two ways (or arriving
 * uncompressed in a {@code docker save} archive) is stored once, and a pull knows from the image config which
 * layers it already has before downloading anything. Both digests are verified: the blob's as it streams in,
 * the diff_id over the decompressed stream.
 *
 * <p>Thread-safe; several processes may share one root.
 */
public final class ImageStore {
    private final StoreParts parts;
    private volatile RegistryPuller puller;

    private ImageStore(StoreParts parts) {
        this.parts = parts;
    }

    /**
     * Opens (creating if needed) the store at {@code root} and removes temp directories left by processes
     * that died mid-extraction.
     *
     * @throws ImageException of kind IO when the directories cannot be made
     */
    public static ImageStore open(Path root, StoreConfig config) {
        try {
            return new ImageStore(StoreParts.open(root, config));
        } catch (IOException e) {
            throw new ImageException(Kind.IO, "open image store " + root + ": " + e, e);
        }
    }

    /** The default store root, {@code /var/lib/ato/images}. */
    public static Path defaultRoot() {
        return Path.of("/var/lib/ato/images");
    }

    /** The store's root directory. */
    public Path root() {
        return parts.layout().root();
    }

    /** The settings the store was opened with. */
    public StoreConfig config() {
        return parts.config();
    }

    /**
     * Pulls an image from its registry: resolves the tag (choosing the configured platform from an index),
     * fetches the config, downloads and extracts the layers not yet in the store, and records the image
     * under {@code ref}. Layers already present are not downloaded.
     *
     * @throws ImageException NOT_FOUND, UNAUTHORIZED, NETWORK, REJECTED_CONTENT or IO, with a message
     *                        naming the registry, repository and digest involved
     */
    public StoredImage pull(ImageReference ref, ProgressListener progress) {
        RegistryPuller p = puller;
        if (p == null) {
            synchronized (this) {
                if (puller == null) puller = new RegistryPuller(parts);
                p = puller;
            }
        }
        return p.pull(ref, progress);
    }

    /** The image stored under {@code ref}, pulling it first when absent. */
    public StoredImage findOrPull(ImageReference ref, ProgressListener progress) {
        return find(ref.canonical()).orElseGet(() -> pull(ref, progress));
    }

    /**
     * Imports a {@code docker save} archive (plain, gzip or zstd), or a tar of an OCI layout. Every tag in
     * the archive becomes an image; untagged images are stored as {@code localhost/import:<config digest
     * prefix>}.
     */
    public List<StoredImage> importArchive(Path archive, ProgressListener progress) {
        return new DockerArchiveImporter(parts).importArchive(archive, progress);
    }

    /**
     * Imports every image of an OCI image layout directory (what {@code skopeo copy ... oci:DIR:TAG} and
     * {@code umoci} write). An image named by a plain tag in {@code org.opencontainers.image.ref.name} is
     * stored as {@code localhost/<directory name>:<tag>}; a full reference there is used as is.
     */
    public List<StoredImage> importOciLayout(Path dir, ProgressListener progress) {
        return new OciLayoutImporter(parts).importDirectory(dir, null, progress);
    }

    /** Imports the one image of an OCI layout (or its only image for the configured platform) under {@code name}. */
    public StoredImage importOciLayout(Path dir, ImageReference name, ProgressListener progress) {
        return new OciLayoutImporter(parts).importDirectory(dir, Objects.requireNonNull(name, "name"), progress).get(0);
    }

    /**
     * Builds an image from Debian packages: runs {@code mmdebstrap} for the recipe into a tarball (needs the
     * Debian mirror), imports it as a one-layer image and stores it as {@link Recipe#reference()}.
     */
    public StoredImage build(Recipe recipe, ProgressListener progress) {
        return new DebianBuilder(parts).build(recipe, progress);
    }

    /** Every stored image, sorted by reference. */
    public List<StoredImage> list() {
        return parts.records().list();
    }

    /**
     * The image stored under a reference ({@code python:3.12-slim} finds {@code docker.io/library/python:3.12-slim}).
     *
     * @throws ImageException INVALID_INPUT when {@code ref} is not a valid reference
     */
    public Optional<StoredImage> find(String ref) {
        return parts.records().find(ImageReference.parse(ref));
    }

    /** Forgets an image (its layers stay until {@link #gc()}). Returns false when no such image was stored. */
    public boolean remove(String ref) {
        return parts.records().remove(ImageReference.parse(ref));
    }

    /** What {@link #gc()} did. */
    public record GcResult(List<String> removedLayers, long bytesFreed) { }

    /**
     * Removes every layer that no stored image references (and leftovers of dead extractions). A layer is
     * first renamed away, so no half-deleted layer is ever visible under its digest. Layers that an
     * operation in any process is still putting together (pinned), or whose lock is held, are kept.
     */
    public GcResult gc() {
        GarbageCollector.Collected c = parts.gc().collect();
        return new GcResult(c.removedLayers(), c.bytesFreed());
    }

    /** Total size of the files of the given layers (hard links counted once within a layer). */
    public long diskUsage(List<Path> layers) {
        return parts.usage().measure(layers);
    }
}
