package dev.ato.rootfs;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ato.rootfs.registry.Digests;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * Image bombs, built small: layer tars with many tiny files or a huge sparse file, wrapped as OCI layouts and
 * {@code docker save} archives by hand (no honest tool writes them). Nothing here writes more than a few
 * hundred KiB.
 */
public final class HostileImages {
    private static final ObjectMapper JSON = new ObjectMapper();

    private HostileImages() { }

    /** A layer tar of {@code n} one-byte files {@code prefix0 ... prefix(n-1)}. */
    public static byte[] manyFiles(String prefix, int n) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (TarArchiveOutputStream out = new TarArchiveOutputStream(b)) {
            for (int i = 0; i < n; i++) {
                TarArchiveEntry e = new TarArchiveEntry(prefix + i);
                e.setSize(1);
                out.putArchiveEntry(e);
                out.write('x');
                out.closeArchiveEntry();
            }
        }
        return b.toByteArray();
    }

    /** A layer tar with one file of {@code bytes} bytes (no zeros, so it is all written). */
    public static byte[] oneFile(String name, int bytes) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (TarArchiveOutputStream out = new TarArchiveOutputStream(b)) {
            TarArchiveEntry e = new TarArchiveEntry(name);
            e.setSize(bytes);
            out.putArchiveEntry(e);
            byte[] data = new byte[bytes];
            java.util.Arrays.fill(data, (byte) 'y');
            out.write(data);
            out.closeArchiveEntry();
        }
        return b.toByteArray();
    }

    /**
     * A layer tar (GNU format, as {@code tar --sparse} writes it) holding {@code big}: a sparse file of
     * {@code size} (e.g. "3G") with "tail" written at its end. The file is made with truncate, so it takes
     * no disk here either.
     */
    public static byte[] sparseFile(Path work, String size) throws IOException {
        Path src = Files.createDirectories(work.resolve("sparse-src-" + size));
        Path big = src.resolve("big");
        Cmd.run("truncate", "-s", size, big.toString());
        Files.writeString(big, "tail", java.nio.file.StandardOpenOption.APPEND);
        Path t = work.resolve("sparse-" + size + ".tar");
        Cmd.run("tar", "--sparse", "--format=gnu", "-C", src.toString(), "-cf", t.toString(), "big");
        Files.delete(big);
        return Files.readAllBytes(t);
    }

    /** An OCI layout in {@code dir}, tag {@code t}, of uncompressed layers, lowest first. */
    public static Path layout(Path dir, List<byte[]> layers) throws IOException {
        List<String> diffIds = new ArrayList<>();
        for (byte[] l : layers) diffIds.add(Digests.sha256(l));
        return layout(dir, layers, diffIds);
    }

    /** An OCI layout whose config claims these diff_ids for these layer blobs (which may be compressed, or lie). */
    public static Path layout(Path dir, List<byte[]> layers, List<String> diffIds) throws IOException {
        Path blobs = Files.createDirectories(dir.resolve("blobs/sha256"));
        List<Object> descriptors = new ArrayList<>();
        for (byte[] l : layers) {
            descriptors.add(Map.of("mediaType", "application/vnd.oci.image.layer.v1.tar", "digest", put(blobs, l), "size", l.length));
        }
        byte[] config = config(diffIds);
        String configDigest = put(blobs, config);
        byte[] manifest = JSON.writeValueAsBytes(Map.of("schemaVersion", 2, "mediaType", "application/vnd.oci.image.manifest.v1+json",
                "config", Map.of("mediaType", "application/vnd.oci.image.config.v1+json", "digest", configDigest, "size", config.length),
                "layers", descriptors));
        String manifestDigest = put(blobs, manifest);
        Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        Files.write(dir.resolve("index.json"), JSON.writeValueAsBytes(Map.of("schemaVersion", 2, "manifests", List.of(Map.of(
                "mediaType", "application/vnd.oci.image.manifest.v1+json", "digest", manifestDigest, "size", manifest.length,
                "annotations", Map.of("org.opencontainers.image.ref.name", "t"))))));
        return dir;
    }

    /** A {@code docker save} archive of one image tagged {@code tag}, written with tar. */
    public static Path dockerArchive(Path file, String tag, List<byte[]> layers) throws IOException {
        Map<String, byte[]> members = new LinkedHashMap<>();
        List<String> names = new ArrayList<>();
        for (byte[] l : layers) {
            String name = Digests.hex(Digests.sha256(l)) + "/layer.tar";
            members.put(name, l);
            names.add(name);
        }
        List<String> diffIds = new ArrayList<>();
        for (byte[] l : layers) diffIds.add(Digests.sha256(l));
        byte[] config = config(diffIds);
        String configName = Digests.hex(Digests.sha256(config)) + ".json";
        members.put(configName, config);
        members.put("manifest.json", JSON.writeValueAsBytes(List.of(Map.of("Config", configName, "RepoTags", List.of(tag), "Layers", names))));
        try (OutputStream os = Files.newOutputStream(file); TarArchiveOutputStream out = new TarArchiveOutputStream(os)) {
            for (Map.Entry<String, byte[]> m : members.entrySet()) {
                TarArchiveEntry e = new TarArchiveEntry(m.getKey());
                e.setSize(m.getValue().length);
                out.putArchiveEntry(e);
                out.write(m.getValue());
                out.closeArchiveEntry();
            }
        }
        return file;
    }

    /** Every path under a store root with its type and size: equal before and after means nothing was left. */
    public static Map<String, String> snapshot(Path root) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (var s = Files.walk(root)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                String kind = Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS) ? "dir" : "file " + Files.size(p);
                out.put(root.relativize(p).toString(), kind);
            }
        }
        return out;
    }

    private static byte[] config(List<String> diffIds) throws IOException {
        return JSON.writeValueAsBytes(Map.of("architecture", "amd64", "os", "linux",
                "rootfs", Map.of("type", "layers", "diff_ids", diffIds), "config", Map.of()));
    }

    private static String put(Path blobs, byte[] data) throws IOException {
        String d = Digests.sha256(data);
        Files.write(blobs.resolve(d.substring(7)), data);
        return d;
    }
}
