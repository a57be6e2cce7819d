package dev.ato.rootfs.archive;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ato.rootfs.ImageException;
import dev.ato.rootfs.ImageException.Kind;
import dev.ato.rootfs.ImageReference;
import dev.ato.rootfs.ProgressListener;
import dev.ato.rootfs.StoredImage;
import dev.ato.rootfs.layer.Compression;
import dev.ato.rootfs.layer.FileOps;
import dev.ato.rootfs.registry.Digests;
import dev.ato.rootfs.store.Documents;
import dev.ato.rootfs.store.ImageSession;
import dev.ato.rootfs.store.LayerWriter.LayerSource;
import dev.ato.rootfs.store.Manifests;
import dev.ato.rootfs.store.Manifests.ImageConfig;
import dev.ato.rootfs.store.StoreParts;
import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarFile;

/**
 * Imports an image archive file: a {@code docker save} archive (plain, gzip or zstd), or a tar of an OCI
 * layout (handed to {@link OciLayoutImporter}). Every tag in a docker archive becomes an image; untagged
 * images are stored as {@code localhost/import:<config digest prefix>}. A compressed archive is first
 * decompressed into the store's {@code tmp/} (capped at the blob cap), because a tar's members are read by
 * offset.
 */
public final class DockerArchiveImporter {
    private final StoreParts store;
    private final ObjectMapper json = new ObjectMapper();

    /** An importer writing into {@code store}. */
    public DockerArchiveImporter(StoreParts store) {
        this.store = store;
    }

    /** Imports every image of {@code archive}. */
    public List<StoredImage> importArchive(Path archive, ProgressListener progress) {
        Path plain = null;
        try {
            Path tarPath = archive;
            if (!isPlain(archive)) {
                plain = store.layout().tmpPath("archive");
                // Held to the free space above the reserve too: a small gzip of zeros must not fill the disk here.
                long room = FileOps.freeSpace(store.layout().root()).bytes() - store.config().caps().reserveBytes();
                long cap = Math.min(store.config().maxBlobBytes(), Math.max(0, room));
                String what = cap < store.config().maxBlobBytes() ? "the free space above the reserve of " + store.config().caps().reserveBytes() + " bytes (reserveBytes)"
                        : "the blob cap of " + cap + " bytes (maxBlobBytes)";
                try (InputStream in = Compression.decompress(new BufferedInputStream(Files.newInputStream(archive)))) {
                    copyCapped(in, plain, cap, "decompressed archive " + archive + " refused: over " + what);
                }
                tarPath = plain;
            }
            try (TarFile tar = new TarFile(tarPath.toFile())) {
                Map<String, TarArchiveEntry> entries = new HashMap<>();
                for (TarArchiveEntry e : tar.getEntries()) {
                    String n = e.getName();
                    while (n.startsWith("./")) n = n.substring(2);
                    if (e.isFile()) entries.put(n, e);
                }
                if (entries.containsKey("manifest.json")) return importDockerSave(tar, entries, archive, progress);
                if (entries.containsKey("index.json") && entries.containsKey("oci-layout")) {
                    BlobSource blobs = digest -> {
                        TarArchiveEntry e = entries.get("blobs/sha256/" + Digests.hex(digest));
                        if (e == null) throw new ImageException(Kind.REJECTED_CONTENT, "archive " + archive + " lacks blob " + digest);
                        return tar.getInputStream(e);
                    };
                    byte[] index = Documents.readCapped(tar.getInputStream(entries.get("index.json")), store.config().maxManifestBytes(), "index.json of " + archive);
                    return new OciLayoutImporter(store).importIndex(blobs, index, Documents.defaultName(archive), null, progress);
                }
                throw new ImageException(Kind.INVALID_INPUT, archive + " is neither a docker save archive (no manifest.json) nor an OCI layout (no index.json)");
            }
        } catch (IOException e) {
            throw new ImageException(Kind.IO, "import " + archive + ": " + e, e);
        } finally {
            if (plain != null) {
                try {
                    Files.deleteIfExists(plain);
                } catch (IOException ignored) {
                    // Swept with tmp/ at the next open.
                }
            }
        }
    }

    private static boolean isPlain(Path archive) throws IOException {
        try (InputStream in = Files.newInputStream(archive)) {
            byte[] m = in.readNBytes(4);
            boolean gz = m.length >= 2 && (m[0] & 0xff) == 0x1f && (m[1] & 0xff) == 0x8b;
            boolean zst = m.length == 4 && (m[0] & 0xff) == 0x28 && (m[1] & 0xff) == 0xb5;
            return !gz && !zst;
        }
    }

    private List<StoredImage> importDockerSave(TarFile tar, Map<String, TarArchiveEntry> entries, Path archive, ProgressListener progress) throws IOException {
        int cap = store.config().maxManifestBytes();
        byte[] manifestBytes = Documents.readCapped(tar.getInputStream(entries.get("manifest.json")), cap, "manifest.json of " + archive);
        JsonNode manifest;
        try {
            manifest = json.readTree(manifestBytes);
        } catch (IOException e) {
            throw new ImageException(Kind.REJECTED_CONTENT, "manifest.json of " + archive + " is not valid JSON", e);
        }
        if (manifest == null || !manifest.isArray() || manifest.isEmpty()) throw new ImageException(Kind.REJECTED_CONTENT, "manifest.json of " + archive + " lists no images");
        List<StoredImage> out = new ArrayList<>();
        for (JsonNode item : manifest) {
            String cfgName = item.path("Config").asText("");
            TarArchiveEntry cfgEntry = entries.get(cfgName);
            if (cfgEntry == null) throw new ImageException(Kind.REJECTED_CONTENT, archive + ": config '" + cfgName + "' is missing");
            byte[] cfgBytes = Documents.readCapped(tar.getInputStream(cfgEntry), cap, "config of " + archive);
            String cfgDigest = Digests.sha256(cfgBytes);
            ImageConfig ic = Manifests.imageConfig(Documents.object(cfgBytes, "config " + cfgName), "config " + cfgName);
            List<String> layerNames = new ArrayList<>();
            item.path("Layers").forEach(n -> layerNames.add(n.asText()));
            Documents.checkLayerCount(ic, layerNames.size(), archive.toString());
            List<LayerSource> layers = new ArrayList<>();
            for (int i = 0; i < layerNames.size(); i++) {
                TarArchiveEntry le = entries.get(layerNames.get(i));
                if (le == null) throw new ImageException(Kind.REJECTED_CONTENT, archive + ": layer '" + layerNames.get(i) + "' is missing");
                String diffId = ic.diffIds().get(i);
                layers.add(new LayerSource(diffId, Documents.shortId(diffId), le.getSize(), p -> new CountingInputStream(tar.getInputStream(le), p)));
            }
            List<String> tags = new ArrayList<>();
            item.path("RepoTags").forEach(t -> tags.add(t.asText()));
            if (tags.isEmpty()) tags.add("localhost/import:" + Digests.hex(cfgDigest).substring(0, 12));
            String manifestDigest = Digests.sha256(json.writeValueAsBytes(item));
            try (ImageSession s = store.begin(ImageReference.parse(tags.get(0)).familiar())) {
                s.layers(layers, 1, false, progress);
                for (String t : tags) out.add(s.record(ImageReference.parse(t), manifestDigest, cfgDigest, ic, "docker-archive"));
                s.commit();
            }
        }
        return out;
    }

    private static void copyCapped(InputStream in, Path to, long cap, String what) throws IOException {
        try (OutputStream out = Files.newOutputStream(to, StandardOpenOption.CREATE_NEW)) {
            byte[] buf = new byte[1 << 16];
            long total = 0;
            int n;
            while ((n = in.read(buf)) > 0) {
                total += n;
                if (total > cap) throw new ImageException(Kind.REJECTED_CONTENT, what);
                out.write(buf, 0, n);
            }
        }
    }

    /** Counts bytes for progress. */
    private static final class CountingInputStream extends FilterInputStream {
        private final LongConsumer progress;
        private long count;

        CountingInputStream(InputStream in, LongConsumer progress) {
            super(in);
            this.progress = progress;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) progress.accept(count += n);
            return n;
        }
    }
}
