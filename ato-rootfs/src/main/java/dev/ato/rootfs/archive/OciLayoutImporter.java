package dev.ato.rootfs.archive;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ato.rootfs.ImageException;
import dev.ato.rootfs.ImageException.Kind;
import dev.ato.rootfs.ImageReference;
import dev.ato.rootfs.ProgressListener;
import dev.ato.rootfs.StoreConfig;
import dev.ato.rootfs.StoredImage;
import dev.ato.rootfs.registry.Digests;
import dev.ato.rootfs.registry.VerifyingInputStream;
import dev.ato.rootfs.store.Documents;
import dev.ato.rootfs.store.ImageSession;
import dev.ato.rootfs.store.LayerWriter.LayerSource;
import dev.ato.rootfs.store.Manifests;
import dev.ato.rootfs.store.Manifests.Descriptor;
import dev.ato.rootfs.store.Manifests.ImageConfig;
import dev.ato.rootfs.store.Manifests.ImageManifest;
import dev.ato.rootfs.store.StoreParts;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Imports the images of an OCI image layout (what {@code skopeo copy ... oci:DIR:TAG} and {@code umoci}
 * write), from a directory or from a tar of one. An image named by a plain tag in
 * {@code org.opencontainers.image.ref.name} is stored as {@code localhost/<layout name>:<tag>}; a full
 * reference there is used as is; unnamed entries are the platforms of one image, of which ours is taken.
 */
public final class OciLayoutImporter {
    private static final String OCI_REF_NAME = "org.opencontainers.image.ref.name";

    private final StoreParts store;

    /** An importer writing into {@code store}. */
    public OciLayoutImporter(StoreParts store) {
        this.store = store;
    }

    /** Imports every image of the layout directory {@code dir}, or its one image as {@code name} when given. */
    public List<StoredImage> importDirectory(Path dir, ImageReference name, ProgressListener progress) {
        try {
            Path layoutFile = dir.resolve("oci-layout");
            if (!Files.isRegularFile(layoutFile)) throw new ImageException(Kind.INVALID_INPUT, dir + " is not an OCI image layout (no oci-layout file)");
            JsonNode layout = Documents.object(Documents.readCapped(Files.newInputStream(layoutFile), 4096, layoutFile.toString()), layoutFile.toString());
            if (!layout.path("imageLayoutVersion").asText("").startsWith("1.")) {
                throw new ImageException(Kind.INVALID_INPUT, layoutFile + " has unsupported imageLayoutVersion " + layout.path("imageLayoutVersion"));
            }
            byte[] index = Documents.readCapped(Files.newInputStream(dir.resolve("index.json")), store.config().maxManifestBytes(), dir + "/index.json");
            BlobSource blobs = digest -> {
                Path p = dir.resolve("blobs").resolve("sha256").resolve(Digests.hex(digest));
                if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) throw new ImageException(Kind.REJECTED_CONTENT, "OCI layout " + dir + " lacks blob " + digest);
                return Files.newInputStream(p, LinkOption.NOFOLLOW_LINKS);
            };
            return importIndex(blobs, index, Documents.defaultName(dir), name, progress);
        } catch (IOException e) {
            throw new ImageException(Kind.IO, "import OCI layout " + dir + ": " + e, e);
        }
    }

    /** Imports the images an {@code index.json} lists, reading blobs from {@code blobs}. */
    List<StoredImage> importIndex(BlobSource blobs, byte[] indexBytes, String baseName, ImageReference as, ProgressListener progress) throws IOException {
        StoreConfig config = store.config();
        JsonNode index = Documents.object(indexBytes, "index.json");
        List<JsonNode> entries = Manifests.entries(index);
        if (entries.isEmpty()) throw new ImageException(Kind.REJECTED_CONTENT, "index.json lists no images");
        boolean named = entries.stream().anyMatch(e -> e.path("annotations").has(OCI_REF_NAME));
        if (!named && entries.size() > 1) {
            entries = List.of(index.path("manifests").get(indexOf(index, Manifests.selectPlatform(index, config.os(), config.architecture(), "index.json"))));
        }
        if (as != null && entries.size() > 1) throw new ImageException(Kind.INVALID_INPUT, "the layout holds " + entries.size() + " images; name them by tag instead of giving one name");
        List<StoredImage> out = new ArrayList<>();
        for (JsonNode e : entries) {
            Descriptor d = Manifests.descriptor(e, "index.json");
            String refName = e.path("annotations").path(OCI_REF_NAME).asText("latest");
            ImageReference ref = as != null ? as : refName.contains("/") ? ImageReference.parse(refName) : ImageReference.parse(baseName + ":" + refName);
            JsonNode m = Documents.object(readBlob(blobs, d), "manifest " + d.digest());
            if (Manifests.isIndex(d.mediaType(), m)) {
                d = Manifests.selectPlatform(m, config.os(), config.architecture(), "index " + d.digest());
                m = Documents.object(readBlob(blobs, d), "manifest " + d.digest());
            }
            ImageManifest im = Manifests.imageManifest(m, "manifest " + d.digest());
            ImageConfig ic = Manifests.imageConfig(Documents.object(readBlob(blobs, im.config()), "config " + im.config().digest()), "config " + im.config().digest());
            Documents.checkLayerCount(ic, im.layers().size(), ref.familiar());
            List<LayerSource> layers = new ArrayList<>();
            for (int i = 0; i < im.layers().size(); i++) {
                Descriptor layer = im.layers().get(i);
                layers.add(new LayerSource(ic.diffIds().get(i), Documents.shortId(layer.digest()), layer.size(),
                        p -> new VerifyingInputStream(blobs.open(layer.digest()), layer.digest(), layer.size(), config.maxBlobBytes(), "layer " + layer.digest(), p)));
            }
            try (ImageSession s = store.begin(ref.familiar())) {
                s.layers(layers, 1, false, progress);
                out.add(s.record(ref, d.digest(), im.config().digest(), ic, "oci-layout"));
                s.commit();
            }
        }
        return out;
    }

    private static int indexOf(JsonNode index, Descriptor d) {
        int i = 0;
        for (JsonNode m : index.path("manifests")) {
            if (d.digest().equals(m.path("digest").asText())) return i;
            i++;
        }
        throw new IllegalStateException("selected descriptor not in index");
    }

    private byte[] readBlob(BlobSource blobs, Descriptor d) throws IOException {
        int cap = store.config().maxManifestBytes();
        try (InputStream in = new VerifyingInputStream(blobs.open(d.digest()), d.digest(), d.size(), cap, "blob " + d.digest(), n -> { })) {
            return in.readAllBytes();
        }
    }
}
