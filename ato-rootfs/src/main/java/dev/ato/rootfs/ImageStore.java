package dev.ato.rootfs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ato.rootfs.ImageException.Kind;
import dev.ato.rootfs.build.Mmdebstrap;
import dev.ato.rootfs.layer.Compression;
import dev.ato.rootfs.layer.FileOps;
import dev.ato.rootfs.layer.LayerExtractor;
import dev.ato.rootfs.registry.Digests;
import dev.ato.rootfs.registry.RegistryClient;
import dev.ato.rootfs.registry.VerifyingInputStream;
import dev.ato.rootfs.store.Manifests;
import dev.ato.rootfs.store.Manifests.Descriptor;
import dev.ato.rootfs.store.Manifests.ImageConfig;
import dev.ato.rootfs.store.Manifests.ImageManifest;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarFile;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongConsumer;

/**
 * A content-addressed store of extracted images.
 *
 * <p>Layout under the root (default {@code /var/lib/ato/images}):
 * <pre>
 * layers/HEX/      one extracted layer, named by its diff_id (sha256 of the uncompressed tar), shared by
 *                  every image that has it; the directory overlayfs stacks
 * images/HASH.json one image: reference, manifest and config digests, diff_ids lowest first, Env,
 *                  WorkingDir, Entrypoint, Cmd (HASH = sha256 of the canonical reference)
 * tmp/PID-UUID/    extractions in progress; swept at open when their process is gone
 * locks/HEX.lock   file locks that make concurrent pulls of one layer (in any process) extract it once
 * </pre>
 * Layers are keyed by diff_id rather than blob digest so that one content compressed two ways (or arriving
 * uncompressed in a {@code docker save} archive) is stored once, and so that a pull knows from the image
 * config which layers it already has before downloading anything. Both digests are verified: the blob's as
 * it streams in, the diff_id over the decompressed stream. A layer directory appears (by an atomic rename,
 * after syncfs) only once complete and verified, so a crash leaves only a temp directory that nothing uses.
 *
 * <p>Thread-safe; several processes may share one root.
 */
public final class ImageStore {
    private static final String OCI_REF_NAME = "org.opencontainers.image.ref.name";

    private final Path root;
    private final Path layersDir;
    private final Path imagesDir;
    private final Path tmpDir;
    private final Path locksDir;
    private final StoreConfig config;
    private final ObjectMapper json = new ObjectMapper();
    private final Map<String, ReentrantLock> layerLocks = new ConcurrentHashMap<>();
    /** Layers extracted or found by operations still running in this JVM: gc leaves them alone. */
    private final Map<String, Integer> inFlight = new ConcurrentHashMap<>();
    private final ReentrantLock storeLock = new ReentrantLock();
    private volatile RegistryClient registry;

    private ImageStore(Path root, StoreConfig config) {
        this.root = root;
        this.layersDir = root.resolve("layers");
        this.imagesDir = root.resolve("images");
        this.tmpDir = root.resolve("tmp");
        this.locksDir = root.resolve("locks");
        this.config = config;
    }

    /**
     * Opens (creating if needed) the store at {@code root} and removes temp directories left by processes
     * that died mid-extraction.
     *
     * @throws ImageException of kind IO when the directories cannot be made
     */
    public static ImageStore open(Path root, StoreConfig config) {
        if (!root.isAbsolute()) throw new IllegalArgumentException("store root must be absolute: " + root);
        ImageStore s = new ImageStore(root, config);
        try {
            for (Path d : List.of(root, s.layersDir, s.imagesDir, s.tmpDir, s.locksDir)) {
                if (Files.isSymbolicLink(d)) throw new ImageException(Kind.IO, "store directory " + d + " is a symlink");
                Files.createDirectories(d);
            }
            // Root only. Layers hold set-uid files owned by the sandbox's ids (container root's su, passwd ...):
            // a host user who could reach them would become that id. overlayfs reaches the lower layers with
            // the mounter's (root's) credentials, so containers need no access to this path.
            for (Path d : List.of(root, s.layersDir, s.imagesDir, s.tmpDir, s.locksDir)) {
                Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwx------"));
            }
            s.sweepTmp();
        } catch (IOException e) {
            throw new ImageException(Kind.IO, "open image store " + root + ": " + e, e);
        }
        return s;
    }

    /** The default store root, {@code /var/lib/ato/images}. */
    public static Path defaultRoot() {
        return Path.of("/var/lib/ato/images");
    }

    /** The store's root directory. */
    public Path root() {
        return root;
    }

    /** The settings the store was opened with. */
    public StoreConfig config() {
        return config;
    }

    // ---------------------------------------------------------------------------------------------- pull

    /**
     * Pulls an image from its registry: resolves the tag (choosing the configured platform from an index),
     * fetches the config, downloads and extracts the layers not yet in the store, and records the image
     * under {@code ref}. Layers already present are not downloaded.
     *
     * @throws ImageException NOT_FOUND, UNAUTHORIZED, NETWORK, REJECTED_CONTENT or IO, with a message
     *                        naming the registry, repository and digest involved
     */
    public StoredImage pull(ImageReference ref, ProgressListener progress) {
        RegistryClient c = registry();
        progress.message("resolving " + ref.familiar() + " at " + c.baseUri(ref));
        RegistryClient.Fetched top = c.manifest(ref, ref.manifestReference());
        RegistryClient.Fetched m = top;
        String what = ref.familiar();
        if (Manifests.isIndex(top.mediaType(), top.json())) {
            Descriptor d = Manifests.selectPlatform(top.json(), config.os(), config.architecture(), "image index " + what);
            progress.message("platform " + config.os() + "/" + config.architecture() + " -> " + d.digest());
            m = c.manifest(ref, d.digest());
        }
        ImageManifest im = Manifests.imageManifest(m.json(), "manifest of " + what);
        byte[] cfgBytes = c.smallBlob(ref, im.config().digest(), im.config().size());
        ImageConfig ic = Manifests.imageConfig(readJson(cfgBytes, "config of " + what), "config of " + what);
        checkLayerCount(ic, im.layers().size(), what);
        List<String> held = new ArrayList<>();
        try {
            List<Runnable> fetches = new ArrayList<>();
            for (int i = 0; i < im.layers().size(); i++) {
                Descriptor layer = im.layers().get(i);
                String diffId = ic.diffIds().get(i);
                hold(diffId, held);
                fetches.add(() -> ensureLayer(diffId, shortId(layer.digest()), layer.size(), progress, true,
                        p -> c.blob(ref, layer.digest(), layer.size(), config.maxBlobBytes(), p)));
            }
            runParallel(fetches, PARALLEL_DOWNLOADS, "pull " + what);
            return writeRecord(ref, m.digest(), im.config().digest(), ic, "registry");
        } finally {
            release(held);
        }
    }

    /** Layers downloaded at once by one pull, as docker does: round trips overlap, two cores stay busy. */
    private static final int PARALLEL_DOWNLOADS = 3;

    /**
     * Runs the tasks on up to {@code parallelism} platform threads (they block in I/O and in JNA calls) and
     * waits for all; the first failure is rethrown once every task has ended, so no task outlives the call.
     */
    private static void runParallel(List<Runnable> tasks, int parallelism, String what) {
        if (tasks.size() <= 1) {
            tasks.forEach(Runnable::run);
            return;
        }
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(
                Math.min(parallelism, tasks.size()), r -> Thread.ofPlatform().daemon().name("ato-pull").unstarted(r));
        try {
            List<java.util.concurrent.Future<?>> futures = new ArrayList<>();
            for (Runnable t : tasks) futures.add(pool.submit(t));
            RuntimeException first = null;
            for (java.util.concurrent.Future<?> f : futures) {
                try {
                    f.get();
                } catch (java.util.concurrent.ExecutionException e) {
                    if (first == null) {
                        first = e.getCause() instanceof RuntimeException re ? re
                                : new ImageException(Kind.IO, what + ": " + e.getCause(), e.getCause());
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    pool.shutdownNow();
                    throw new ImageException(Kind.NETWORK, "interrupted: " + what, e);
                }
            }
            if (first != null) throw first;
        } finally {
            pool.shutdown();
        }
    }

    /** The image stored under {@code ref}, pulling it first when absent. */
    public StoredImage findOrPull(ImageReference ref, ProgressListener progress) {
        return find(ref.canonical()).orElseGet(() -> pull(ref, progress));
    }

    // -------------------------------------------------------------------------------------------- import

    /**
     * Imports a {@code docker save} archive (plain, gzip or zstd), or a tar of an OCI layout. Every tag in
     * the archive becomes an image; untagged images are stored as {@code localhost/import:<config digest
     * prefix>}.
     */
    public List<StoredImage> importArchive(Path archive, ProgressListener progress) {
        Path plain = null;
        try {
            Path tarPath = archive;
            if (!isPlain(archive)) {
                plain = tmpDir.resolve(ProcessHandle.current().pid() + "-archive-" + UUID.randomUUID() + ".tar");
                try (InputStream in = Compression.decompress(new BufferedInputStream(Files.newInputStream(archive)))) {
                    copyCapped(in, plain, config.maxBlobBytes(), "decompressed archive " + archive);
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
                    BlobSource blobs = (digest) -> {
                        TarArchiveEntry e = entries.get("blobs/sha256/" + Digests.hex(digest));
                        if (e == null) throw new ImageException(Kind.REJECTED_CONTENT, "archive " + archive + " lacks blob " + digest);
                        return tar.getInputStream(e);
                    };
                    byte[] index = readCapped(tar.getInputStream(entries.get("index.json")), config.maxManifestBytes(), "index.json of " + archive);
                    return importLayout(blobs, index, defaultName(archive), null, "oci-layout", progress);
                }
                throw new ImageException(Kind.INVALID_INPUT, archive + " is neither a docker save archive (no manifest.json) nor an OCI layout (no index.json)");
            }
        } catch (IOException e) {
            throw new ImageException(Kind.IO, "import " + archive + ": " + e, e);
        } finally {
            if (plain != null) deleteQuietly(plain);
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
        byte[] manifestBytes = readCapped(tar.getInputStream(entries.get("manifest.json")), config.maxManifestBytes(), "manifest.json of " + archive);
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
            byte[] cfgBytes = readCapped(tar.getInputStream(cfgEntry), config.maxManifestBytes(), "config of " + archive);
            String cfgDigest = Digests.sha256(cfgBytes);
            ImageConfig ic = Manifests.imageConfig(readJson(cfgBytes, "config " + cfgName), "config " + cfgName);
            List<String> layerNames = new ArrayList<>();
            item.path("Layers").forEach(n -> layerNames.add(n.asText()));
            checkLayerCount(ic, layerNames.size(), archive.toString());
            List<String> held = new ArrayList<>();
            try {
                for (int i = 0; i < layerNames.size(); i++) {
                    TarArchiveEntry le = entries.get(layerNames.get(i));
                    if (le == null) throw new ImageException(Kind.REJECTED_CONTENT, archive + ": layer '" + layerNames.get(i) + "' is missing");
                    String diffId = ic.diffIds().get(i);
                    hold(diffId, held);
                    ensureLayer(diffId, shortId(diffId), le.getSize(), progress, false, p -> new CountingInputStream(tar.getInputStream(le), p));
                }
                List<String> tags = new ArrayList<>();
                item.path("RepoTags").forEach(t -> tags.add(t.asText()));
                if (tags.isEmpty()) tags.add("localhost/import:" + Digests.hex(cfgDigest).substring(0, 12));
                String manifestDigest = Digests.sha256(json.writeValueAsBytes(item));
                for (String t : tags) out.add(writeRecord(ImageReference.parse(t), manifestDigest, cfgDigest, ic, "docker-archive"));
            } finally {
                release(held);
            }
        }
        return out;
    }

    /**
     * Imports every image of an OCI image layout directory (what {@code skopeo copy ... oci:DIR:TAG} and
     * {@code umoci} write). An image named by a plain tag in {@code org.opencontainers.image.ref.name} is
     * stored as {@code localhost/<directory name>:<tag>}; a full reference there is used as is.
     */
    public List<StoredImage> importOciLayout(Path dir, ProgressListener progress) {
        return importLayoutDir(dir, null, progress);
    }

    /** Imports the one image of an OCI layout (or its only image for the configured platform) under {@code name}. */
    public StoredImage importOciLayout(Path dir, ImageReference name, ProgressListener progress) {
        return importLayoutDir(dir, java.util.Objects.requireNonNull(name, "name"), progress).get(0);
    }

    private List<StoredImage> importLayoutDir(Path dir, ImageReference name, ProgressListener progress) {
        try {
            Path layoutFile = dir.resolve("oci-layout");
            if (!Files.isRegularFile(layoutFile)) throw new ImageException(Kind.INVALID_INPUT, dir + " is not an OCI image layout (no oci-layout file)");
            JsonNode layout = readJson(readCapped(Files.newInputStream(layoutFile), 4096, layoutFile.toString()), layoutFile.toString());
            if (!layout.path("imageLayoutVersion").asText("").startsWith("1.")) {
                throw new ImageException(Kind.INVALID_INPUT, layoutFile + " has unsupported imageLayoutVersion " + layout.path("imageLayoutVersion"));
            }
            byte[] index = readCapped(Files.newInputStream(dir.resolve("index.json")), config.maxManifestBytes(), dir + "/index.json");
            BlobSource blobs = digest -> {
                Path p = dir.resolve("blobs").resolve("sha256").resolve(Digests.hex(digest));
                if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) throw new ImageException(Kind.REJECTED_CONTENT, "OCI layout " + dir + " lacks blob " + digest);
                return Files.newInputStream(p, LinkOption.NOFOLLOW_LINKS);
            };
            return importLayout(blobs, index, defaultName(dir), name, "oci-layout", progress);
        } catch (IOException e) {
            throw new ImageException(Kind.IO, "import OCI layout " + dir + ": " + e, e);
        }
    }

    @FunctionalInterface
    private interface BlobSource {
        InputStream open(String digest) throws IOException;
    }

    private List<StoredImage> importLayout(BlobSource blobs, byte[] indexBytes, String baseName, ImageReference as, String source, ProgressListener progress) throws IOException {
        JsonNode index = readJson(indexBytes, "index.json");
        List<JsonNode> entries = Manifests.entries(index);
        if (entries.isEmpty()) throw new ImageException(Kind.REJECTED_CONTENT, "index.json lists no images");
        // Several entries without names are the platforms of one image: pick ours.
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
            byte[] mBytes = readBlob(blobs, d, config.maxManifestBytes());
            JsonNode m = readJson(mBytes, "manifest " + d.digest());
            if (Manifests.isIndex(d.mediaType(), m)) {
                d = Manifests.selectPlatform(m, config.os(), config.architecture(), "index " + d.digest());
                mBytes = readBlob(blobs, d, config.maxManifestBytes());
                m = readJson(mBytes, "manifest " + d.digest());
            }
            ImageManifest im = Manifests.imageManifest(m, "manifest " + d.digest());
            byte[] cfgBytes = readBlob(blobs, im.config(), config.maxManifestBytes());
            ImageConfig ic = Manifests.imageConfig(readJson(cfgBytes, "config " + im.config().digest()), "config " + im.config().digest());
            checkLayerCount(ic, im.layers().size(), ref.familiar());
            List<String> held = new ArrayList<>();
            try {
                for (int i = 0; i < im.layers().size(); i++) {
                    Descriptor layer = im.layers().get(i);
                    String diffId = ic.diffIds().get(i);
                    hold(diffId, held);
                    ensureLayer(diffId, shortId(layer.digest()), layer.size(), progress, false,
                            p -> new VerifyingInputStream(blobs.open(layer.digest()), layer.digest(), layer.size(), config.maxBlobBytes(), "layer " + layer.digest(), p));
                }
                out.add(writeRecord(ref, d.digest(), im.config().digest(), ic, source));
            } finally {
                release(held);
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

    private byte[] readBlob(BlobSource blobs, Descriptor d, int cap) throws IOException {
        try (InputStream in = new VerifyingInputStream(blobs.open(d.digest()), d.digest(), d.size(), cap, "blob " + d.digest(), n -> { })) {
            return in.readAllBytes();
        }
    }

    private static String defaultName(Path p) {
        String n = p.getFileName() == null ? "image" : p.getFileName().toString().toLowerCase(Locale.ROOT);
        n = n.replaceAll("\\.(tar|tgz|tar\\.gz|tar\\.zst)$", "").replaceAll("[^a-z0-9]+", "-").replaceAll("^-+|-+$", "");
        return "localhost/" + (n.isEmpty() ? "image" : n);
    }

    // --------------------------------------------------------------------------------------------- build

    /**
     * Builds an image from Debian packages: runs {@code mmdebstrap} for the recipe into a tarball (needs the
     * Debian mirror), imports it as a one-layer image and stores it as {@link Recipe#reference()}.
     */
    public StoredImage build(Recipe recipe, ProgressListener progress) {
        Path work = tmpDir.resolve(ProcessHandle.current().pid() + "-build-" + UUID.randomUUID());
        try {
            Files.createDirectory(work);
            Path tarball = work.resolve("rootfs.tar");
            Mmdebstrap.run(recipe, tarball, progress);
            String diffId = extractUnknown(tarball, progress);
            List<String> env = new ArrayList<>();
            env.add("PATH=" + dev.ato.sandbox.Image.DEFAULT_PATH);
            env.addAll(recipe.env());
            ImageConfig ic = new ImageConfig(List.of(diffId), env, "/", List.of(), List.of("/bin/bash"));
            ObjectNode cfg = json.createObjectNode();
            cfg.put("architecture", config.architecture()).put("os", config.os());
            ObjectNode c = cfg.putObject("config");
            ArrayNode envNode = c.putArray("Env");
            env.forEach(envNode::add);
            c.putArray("Cmd").add("/bin/bash");
            cfg.putObject("rootfs").put("type", "layers").putArray("diff_ids").add(diffId);
            String cfgDigest = Digests.sha256(json.writeValueAsBytes(cfg));
            String manifestDigest = Digests.sha256(json.writeValueAsBytes(json.createObjectNode().put("config", cfgDigest).put("layer", diffId)));
            List<String> held = new ArrayList<>();
            hold(diffId, held);
            try {
                return writeRecord(recipe.reference(), manifestDigest, cfgDigest, ic, "mmdebstrap");
            } finally {
                release(held);
            }
        } catch (IOException e) {
            throw new ImageException(Kind.IO, "build " + recipe.name() + ": " + e, e);
        } finally {
            deleteQuietly(work);
        }
    }

    /** Extracts a tarball whose diff_id is not known in advance, and publishes it under the computed one. */
    private String extractUnknown(Path tarball, ProgressListener progress) throws IOException {
        Path tmp = newTmp();
        String id = "rootfs";
        try {
            long size = Files.size(tarball);
            progress.started(id, "extract", size);
            LayerExtractor.Result r;
            try (InputStream in = Compression.decompress(new BufferedInputStream(Files.newInputStream(tarball), 1 << 16))) {
                r = newExtractor().extract(in, tmp, n -> progress.advanced(id, n));
            }
            String hex = Digests.hex(r.diffId());
            underLocks(layerLock(hex), layerLockFile(hex), () -> {
                if (!Files.isDirectory(layersDir.resolve(hex), LinkOption.NOFOLLOW_LINKS)) publish(tmp, hex);
                return null;
            });
            progress.finished(id, "done");
            return r.diffId();
        } finally {
            deleteQuietly(tmp);
        }
    }

    // ------------------------------------------------------------------------------------------- layers

    @FunctionalInterface
    private interface LayerOpener {
        InputStream open(LongConsumer rawProgress) throws IOException;
    }

    /**
     * Makes sure the layer with this diff_id is in the store, extracting it once even when several threads
     * or processes ask at the same time: an in-process lock, then a file lock, then a second look.
     */
    private Path ensureLayer(String diffId, String id, long size, ProgressListener progress, boolean retryNetwork, LayerOpener opener) {
        String hex = Digests.hex(diffId);
        Path target = layersDir.resolve(hex);
        if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
            progress.finished(id, "already present");
            return target;
        }
        try {
            return underLocks(layerLock(hex), layerLockFile(hex), () -> {
                if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
                    progress.finished(id, "already present");
                } else {
                    extractRetrying(diffId, hex, id, size, progress, retryNetwork, opener);
                }
                return target;
            });
        } catch (IOException e) {
            throw new ImageException(Kind.IO, "lock layer " + diffId + ": " + e, e);
        }
    }

    /**
     * Downloads (or reads) and extracts a layer and publishes it under {@code hex}, with the layer's locks
     * held; transport failures are retried with back-off when {@code retryNetwork}.
     */
    private void extractRetrying(String diffId, String hex, String id, long size, ProgressListener progress, boolean retryNetwork, LayerOpener opener) {
        Duration backoff = config.initialBackoff();
        for (int attempt = 1; ; attempt++) {
            Path tmp = newTmp();
            try {
                progress.started(id, "pull", size);
                LayerExtractor.Result r;
                try (InputStream raw = opener.open(n -> progress.advanced(id, n))) {
                    try {
                        InputStream in = Compression.decompress(new BufferedInputStream(raw, 1 << 16));
                        r = newExtractor().extract(in, tmp, n -> { });
                    } catch (IOException e) {
                        throw classify(e, raw, id);
                    }
                    if (raw instanceof VerifyingInputStream v) v.finish();
                }
                if (!r.diffId().equals(diffId)) {
                    throw new ImageException(Kind.REJECTED_CONTENT, "layer " + id + ": its uncompressed content has digest " + r.diffId() + " but the image config says " + diffId);
                }
                publish(tmp, hex);
                progress.finished(id, "done");
                return;
            } catch (ImageException | IOException e) {
                deleteQuietly(tmp);
                boolean transientFailure = e instanceof IOException || ((ImageException) e).kind() == Kind.NETWORK;
                if (!retryNetwork || !transientFailure || attempt >= config.attempts()) {
                    progress.finished(id, "failed");
                    if (e instanceof ImageException ie) throw ie;
                    throw new ImageException(Kind.NETWORK, "pull layer " + diffId + " (" + id + "): " + e, e);
                }
                progress.finished(id, "retrying after: " + e.getMessage());
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new ImageException(Kind.NETWORK, "interrupted while pulling layer " + diffId, ie);
                }
                backoff = backoff.multipliedBy(2);
            }
        }
    }

    /**
     * Tells a transport failure (worth a retry) from bad content. A blob that fails to decompress is
     * read to its end: a digest mismatch then names the real cause; a blob that matches its digest but
     * does not decompress is bad content; a read failure while draining is the network.
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

    private LayerExtractor newExtractor() {
        return new LayerExtractor(config.uidBase(), config.gidBase(), config.idCount(), config.maxLayerBytes());
    }

    private Path newTmp() {
        Path tmp = tmpDir.resolve(ProcessHandle.current().pid() + "-" + UUID.randomUUID());
        try {
            Files.createDirectory(tmp);
        } catch (IOException e) {
            throw new ImageException(Kind.IO, "create " + tmp + ": " + e, e);
        }
        return tmp;
    }

    /** syncfs, then rename into place, then fsync the parent: the layer exists whole or not at all. */
    private void publish(Path tmp, String hex) throws IOException {
        FileOps.syncFileSystem(tmp);
        try {
            Files.move(tmp, layersDir.resolve(hex), StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            throw new ImageException(Kind.IO, "the store's tmp and layers directories must be on one file system", e);
        }
        FileOps.fsyncDirectory(layersDir);
    }

    private void hold(String diffId, List<String> held) {
        String hex = Digests.hex(diffId);
        inFlight.merge(hex, 1, Integer::sum);
        held.add(hex);
    }

    private void release(List<String> held) {
        for (String hex : held) inFlight.computeIfPresent(hex, (k, v) -> v == 1 ? null : v - 1);
    }

    private void sweepTmp() throws IOException {
        long self = ProcessHandle.current().pid();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(tmpDir)) {
            for (Path p : ds) {
                String n = p.getFileName().toString();
                int dash = n.indexOf('-');
                long pid;
                try {
                    pid = Long.parseLong(dash > 0 ? n.substring(0, dash) : n);
                } catch (NumberFormatException e) {
                    pid = -1;
                }
                if (pid == self) continue;
                if (pid > 0 && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) continue;
                FileOps.deleteTree(p);
            }
        }
    }

    // ------------------------------------------------------------------------------------------ records

    private StoredImage writeRecord(ImageReference ref, String manifestDigest, String configDigest, ImageConfig ic, String source) {
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
        withStoreLock(() -> {
            for (String d : ic.diffIds()) {
                if (!Files.isDirectory(layersDir.resolve(Digests.hex(d)), LinkOption.NOFOLLOW_LINKS)) {
                    throw new ImageException(Kind.IO, "layer " + d + " of " + ref.familiar() + " vanished (a concurrent gc in another process?); pull again");
                }
            }
            Path file = recordFile(ref);
            Path tmp = imagesDir.resolve("." + file.getFileName() + "." + UUID.randomUUID());
            try {
                try (OutputStream out = Files.newOutputStream(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                    out.write(json.writerWithDefaultPrettyPrinter().writeValueAsBytes(rec));
                }
                try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                    ch.force(true);
                }
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                FileOps.fsyncDirectory(imagesDir);
            } catch (IOException e) {
                deleteQuietly(tmp);
                throw new ImageException(Kind.IO, "write image record " + file + ": " + e, e);
            }
            return null;
        });
        return toStored(rec);
    }

    private Path recordFile(ImageReference ref) {
        return imagesDir.resolve(Digests.hex(Digests.sha256(ref.canonical().getBytes(StandardCharsets.UTF_8))) + ".json");
    }

    private StoredImage toStored(JsonNode rec) {
        List<String> diffIds = strings(rec.path("layers"));
        List<Path> dirs = new ArrayList<>();
        for (String d : diffIds) dirs.add(layersDir.resolve(Digests.hex(d)));
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

    private Optional<StoredImage> readRecord(Path file) {
        try {
            if (Files.size(file) > (1 << 20)) return Optional.empty();
            return Optional.of(toStored(json.readTree(Files.readAllBytes(file))));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** Every stored image, sorted by reference. */
    public List<StoredImage> list() {
        List<StoredImage> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(imagesDir, "*.json")) {
            for (Path p : ds) readRecord(p).ifPresent(out::add);
        } catch (IOException e) {
            throw new ImageException(Kind.IO, "list " + imagesDir + ": " + e, e);
        }
        out.sort(Comparator.comparing(i -> i.reference().canonical()));
        return out;
    }

    /**
     * The image stored under a reference ({@code python:3.12-slim} finds {@code docker.io/library/python:3.12-slim}).
     *
     * @throws ImageException INVALID_INPUT when {@code ref} is not a valid reference
     */
    public Optional<StoredImage> find(String ref) {
        ImageReference r = ImageReference.parse(ref);
        Path file = recordFile(r);
        if (!Files.isRegularFile(file)) return Optional.empty();
        return readRecord(file).filter(i -> i.layers().stream().allMatch(p -> Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)));
    }

    /** Forgets an image (its layers stay until {@link #gc()}). Returns false when no such image was stored. */
    public boolean remove(String ref) {
        Path file = recordFile(ImageReference.parse(ref));
        return withStoreLock(() -> {
            try {
                boolean existed = Files.deleteIfExists(file);
                if (existed) FileOps.fsyncDirectory(imagesDir);
                return existed;
            } catch (IOException e) {
                throw new ImageException(Kind.IO, "remove " + file + ": " + e, e);
            }
        });
    }

    /** What {@link #gc()} did. */
    public record GcResult(List<String> removedLayers, long bytesFreed) { }

    /**
     * Removes every layer that no stored image references (and leftovers of dead extractions). A layer is
     * first renamed away, so no half-deleted layer is ever visible under its digest. Layers that an
     * operation in this JVM is still putting together, or that another process holds the lock of, are kept.
     */
    public GcResult gc() {
        return withStoreLock(() -> {
            try {
                sweepTmp();
                Set<String> referenced = new HashSet<>();
                for (StoredImage i : list()) i.layerDigests().forEach(d -> referenced.add(Digests.hex(d)));
                List<String> removed = new ArrayList<>();
                long freed = 0;
                try (DirectoryStream<Path> ds = Files.newDirectoryStream(layersDir)) {
                    for (Path p : ds) {
                        String hex = p.getFileName().toString();
                        if (referenced.contains(hex) || inFlight.containsKey(hex)) continue;
                        ReentrantLock lock = layerLock(hex);
                        if (!lock.tryLock()) continue;
                        try (FileChannel ch = FileChannel.open(layerLockFile(hex), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                            FileLock fl = ch.tryLock();
                            if (fl == null) continue;
                            try {
                                Path doomed = tmpDir.resolve(ProcessHandle.current().pid() + "-gc-" + hex);
                                Files.move(p, doomed, StandardCopyOption.ATOMIC_MOVE);
                                freed += sizeOf(doomed);
                                FileOps.deleteTree(doomed);
                                removed.add("sha256:" + hex);
                            } finally {
                                fl.release();
                            }
                        } finally {
                            lock.unlock();
                        }
                    }
                }
                FileOps.fsyncDirectory(layersDir);
                return new GcResult(removed, freed);
            } catch (IOException e) {
                throw new ImageException(Kind.IO, "gc " + root + ": " + e, e);
            }
        });
    }

    /** Total size of the files of the given layers (hard links counted once). */
    public long diskUsage(List<Path> layers) {
        long total = 0;
        for (Path p : layers) {
            try {
                total += sizeOf(p);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return total;
    }

    private static long sizeOf(Path dir) throws IOException {
        long[] total = {0};
        Set<Object> seen = new HashSet<>();
        Files.walkFileTree(dir, new java.nio.file.SimpleFileVisitor<>() {
            @Override
            public java.nio.file.FileVisitResult visitFile(Path file, java.nio.file.attribute.BasicFileAttributes attrs) {
                if (attrs.isRegularFile() && (attrs.fileKey() == null || seen.add(attrs.fileKey()))) total[0] += attrs.size();
                return java.nio.file.FileVisitResult.CONTINUE;
            }
        });
        return total[0];
    }

    private interface Locked<T> {
        T run();
    }

    private interface LockedIO<T> {
        T run() throws IOException;
    }

    /** Serialises record writes and gc across threads (in-process lock) and processes (file lock). */
    private <T> T withStoreLock(Locked<T> body) {
        try {
            return underLocks(storeLock, root.resolve("store.lock"), body::run);
        } catch (IOException e) {
            throw new ImageException(Kind.IO, "lock store " + root + ": " + e, e);
        }
    }

    /**
     * Runs {@code body} holding {@code lock} (against threads of this JVM), then an exclusive lock on
     * {@code lockFile} (against other processes); both are released when it ends.
     */
    private static <T> T underLocks(ReentrantLock lock, Path lockFile, LockedIO<T> body) throws IOException {
        lock.lock();
        try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock ignored = ch.lock()) {
            return body.run();
        } finally {
            lock.unlock();
        }
    }

    /** The in-process lock of one layer. */
    private ReentrantLock layerLock(String hex) {
        return layerLocks.computeIfAbsent(hex, k -> new ReentrantLock());
    }

    /** The file other processes lock for the same layer. */
    private Path layerLockFile(String hex) {
        return locksDir.resolve(hex + ".lock");
    }

    // ------------------------------------------------------------------------------------------ helpers

    private RegistryClient registry() {
        RegistryClient c = registry;
        if (c == null) {
            synchronized (this) {
                if (registry == null) registry = new RegistryClient(config);
                c = registry;
            }
        }
        return c;
    }

    private static void checkLayerCount(ImageConfig ic, int layers, String what) {
        if (ic.diffIds().size() != layers) {
            throw new ImageException(Kind.REJECTED_CONTENT, what + ": the config lists " + ic.diffIds().size() + " diff_ids for " + layers + " layers");
        }
        if (layers == 0) throw new ImageException(Kind.REJECTED_CONTENT, what + " has no layers");
    }

    private JsonNode readJson(byte[] bytes, String what) {
        try {
            JsonNode n = json.readTree(bytes);
            if (n == null || !n.isObject()) throw new ImageException(Kind.REJECTED_CONTENT, what + " is not a JSON object");
            return n;
        } catch (IOException e) {
            throw new ImageException(Kind.REJECTED_CONTENT, what + " is not valid JSON", e);
        }
    }

    private static byte[] readCapped(InputStream in, int cap, String what) throws IOException {
        try (in) {
            byte[] b = in.readNBytes(cap + 1);
            if (b.length > cap) throw new ImageException(Kind.REJECTED_CONTENT, what + " is larger than the cap of " + cap + " bytes");
            return b;
        }
    }

    private static void copyCapped(InputStream in, Path to, long cap, String what) throws IOException {
        try (OutputStream out = Files.newOutputStream(to, StandardOpenOption.CREATE_NEW)) {
            byte[] buf = new byte[1 << 16];
            long total = 0;
            int n;
            while ((n = in.read(buf)) > 0) {
                total += n;
                if (total > cap) throw new ImageException(Kind.REJECTED_CONTENT, what + " is larger than the cap of " + cap + " bytes");
                out.write(buf, 0, n);
            }
        }
    }

    private static String shortId(String digest) {
        return digest.substring("sha256:".length(), "sha256:".length() + 12);
    }

    private static void deleteQuietly(Path p) {
        try {
            FileOps.deleteTree(p);
        } catch (IOException ignored) {
            // Swept at the next open or gc.
        }
    }

    /** Counts bytes for progress. */
    private static final class CountingInputStream extends java.io.FilterInputStream {
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
