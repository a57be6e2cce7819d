package dev.ato.rootfs.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ato.rootfs.ImageException;
import dev.ato.rootfs.ImageException.Kind;
import dev.ato.rootfs.ImageReference;
import dev.ato.rootfs.StoredImage;
import dev.ato.rootfs.layer.FileOps;
import dev.ato.rootfs.registry.Digests;
import dev.ato.rootfs.store.Manifests.ImageConfig;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * The image records, {@code images/HASH.json}: what names an image and which layers it stacks. A record is
 * written to a temp file, fsync'd and renamed over the old one, under the store lock, after checking that
 * every layer it names is in the store.
 */
public final class ImageRecords {
    private static final int MAX_RECORD_BYTES = 1 << 20;

    private final StoreLayout layout;
    private final StoreLocks locks;
    private final ObjectMapper json = new ObjectMapper();

    ImageRecords(StoreLayout layout, StoreLocks locks) {
        this.layout = layout;
        this.locks = locks;
    }

    /** Records an image whose layers are all in the store (and pinned by the caller). */
    public StoredImage write(ImageReference ref, String manifestDigest, String configDigest, ImageConfig ic, String source) {
        ObjectNode rec = json.createObjectNode();
        rec.put("reference", ref.canonical());
        rec.put("manifestDigest", manifestDigest);
        rec.put("configDigest", configDigest);
        ArrayNode layers = rec.putArray("layers");
        ic.diffIds().forEach(layers::add);
        ArrayNode env = rec.putArray("env");
        ic.env().forEach(env::add);
        rec.put("workingDir", ic.workingDir().isEmpty() ? "/" : ic.workingDir());
        ArrayNode ep = rec.putArray("entrypoint");
        ic.entrypoint().forEach(ep::add);
        ArrayNode cmd = rec.putArray("cmd");
        ic.cmd().forEach(cmd::add);
        rec.put("source", source);
        rec.put("created", Instant.now().toString());
        Path file = layout.record(ref);
        Path tmp = layout.images().resolve("." + file.getFileName() + "." + UUID.randomUUID());
        try {
            locks.withStore(() -> {
                for (String d : ic.diffIds()) {
                    if (!layout.hasLayer(Digests.hex(d))) {
                        throw new ImageException(Kind.IO, "layer " + d + " of " + ref.familiar() + " vanished; pull again");
                    }
                }
                try (OutputStream out = Files.newOutputStream(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                    out.write(json.writerWithDefaultPrettyPrinter().writeValueAsBytes(rec));
                }
                try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                    ch.force(true);
                }
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                FileOps.fsyncDirectory(layout.images());
                return null;
            });
        } catch (IOException e) {
            StoreLayout.deleteQuietly(tmp);
            throw new ImageException(Kind.IO, "write image record " + file + ": " + e, e);
        }
        return toStored(rec);
    }

    /** Every stored image, sorted by reference. */
    public List<StoredImage> list() {
        List<StoredImage> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(layout.images(), "*.json")) {
            for (Path p : ds) read(p).ifPresent(out::add);
        } catch (IOException e) {
            throw new ImageException(Kind.IO, "list " + layout.images() + ": " + e, e);
        }
        out.sort(Comparator.comparing(i -> i.reference().canonical()));
        return out;
    }

    /** The hexes of every layer some record names. */
    Set<String> referencedLayers() {
        Set<String> out = new HashSet<>();
        for (StoredImage i : list()) i.layerDigests().forEach(d -> out.add(Digests.hex(d)));
        return out;
    }

    /** The image recorded under {@code ref}, when all its layers are present. */
    public Optional<StoredImage> find(ImageReference ref) {
        Path file = layout.record(ref);
        if (!Files.isRegularFile(file)) return Optional.empty();
        return read(file).filter(i -> i.layers().stream().allMatch(p -> Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)));
    }

    /** Removes the record of {@code ref}; false when there was none. */
    public boolean remove(ImageReference ref) {
        Path file = layout.record(ref);
        try {
            return locks.withStore(() -> {
                boolean existed = Files.deleteIfExists(file);
                if (existed) FileOps.fsyncDirectory(layout.images());
                return existed;
            });
        } catch (IOException e) {
            throw new ImageException(Kind.IO, "remove " + file + ": " + e, e);
        }
    }

    private Optional<StoredImage> read(Path file) {
        try {
            if (Files.size(file) > MAX_RECORD_BYTES) return Optional.empty();
            return Optional.of(toStored(json.readTree(Files.readAllBytes(file))));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private StoredImage toStored(JsonNode rec) {
        List<String> diffIds = strings(rec.path("layers"));
        List<Path> dirs = new ArrayList<>();
        for (String d : diffIds) dirs.add(layout.layer(Digests.hex(d)));
        return new StoredImage(ImageReference.parse(rec.path("reference").asText()), rec.path("manifestDigest").asText(),
                rec.path("configDigest").asText(), dirs, diffIds, strings(rec.path("env")), rec.path("workingDir").asText("/"),
                strings(rec.path("entrypoint")), strings(rec.path("cmd")), rec.path("source").asText(""),
                Instant.parse(rec.path("created").asText(Instant.EPOCH.toString())));
    }

    private static List<String> strings(JsonNode n) {
        List<String> out = new ArrayList<>();
        n.forEach(x -> out.add(x.asText()));
        return out;
    }
}
