package dev.ato.rootfs.registry;

import dev.ato.rootfs.ImageReference;
import dev.ato.rootfs.ProgressListener;
import dev.ato.rootfs.StoredImage;
import dev.ato.rootfs.store.Documents;
import dev.ato.rootfs.store.ImageSession;
import dev.ato.rootfs.store.LayerWriter.LayerSource;
import dev.ato.rootfs.store.Manifests;
import dev.ato.rootfs.store.Manifests.Descriptor;
import dev.ato.rootfs.store.Manifests.ImageConfig;
import dev.ato.rootfs.store.Manifests.ImageManifest;
import dev.ato.rootfs.store.StoreParts;

import java.util.ArrayList;
import java.util.List;

/**
 * Pulls an image from its registry: resolves the tag (choosing the configured platform from an index),
 * fetches the config, downloads and extracts the layers not yet in the store, up to three at once (as docker
 * does: round trips overlap, two cores stay busy), and records the image.
 */
public final class RegistryPuller {
    private static final int PARALLEL_DOWNLOADS = 3;

    private final StoreParts store;
    private final RegistryClient client;

    /** A puller writing into {@code store}, speaking to registries with the store's settings. */
    public RegistryPuller(StoreParts store) {
        this.store = store;
        this.client = new RegistryClient(store.config());
    }

    /** Pulls {@code ref}. */
    public StoredImage pull(ImageReference ref, ProgressListener progress) {
        var config = store.config();
        progress.message("resolving " + ref.familiar() + " at " + client.baseUri(ref));
        RegistryClient.Fetched m = client.manifest(ref, ref.manifestReference());
        String what = ref.familiar();
        if (Manifests.isIndex(m.mediaType(), m.json())) {
            Descriptor d = Manifests.selectPlatform(m.json(), config.os(), config.architecture(), "image index " + what);
            progress.message("platform " + config.os() + "/" + config.architecture() + " -> " + d.digest());
            m = client.manifest(ref, d.digest());
        }
        ImageManifest im = Manifests.imageManifest(m.json(), "manifest of " + what);
        byte[] cfgBytes = client.smallBlob(ref, im.config().digest(), im.config().size());
        ImageConfig ic = Manifests.imageConfig(Documents.object(cfgBytes, "config of " + what), "config of " + what);
        Documents.checkLayerCount(ic, im.layers().size(), what);
        List<LayerSource> layers = new ArrayList<>();
        for (int i = 0; i < im.layers().size(); i++) {
            Descriptor layer = im.layers().get(i);
            layers.add(new LayerSource(ic.diffIds().get(i), Documents.shortId(layer.digest()), layer.size(),
                    p -> client.blob(ref, layer.digest(), layer.size(), config.maxBlobBytes(), p)));
        }
        try (ImageSession s = store.begin(what)) {
            s.layers(layers, PARALLEL_DOWNLOADS, true, progress);
            StoredImage img = s.record(ref, m.digest(), im.config().digest(), ic, "registry");
            s.commit();
            return img;
        }
    }
}
