package dev.ato.rootfs.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ato.rootfs.Cmd;
import dev.ato.rootfs.HostileImages;
import dev.ato.rootfs.ImageException;
import dev.ato.rootfs.ImageReference;
import dev.ato.rootfs.ImageStore;
import dev.ato.rootfs.ProgressListener;
import dev.ato.rootfs.StoreCaps;
import dev.ato.rootfs.StoreConfig;
import dev.ato.rootfs.StoredImage;
import dev.ato.rootfs.TestImages;
import dev.ato.rootfs.TestRegistry;
import dev.ato.rootfs.TreeSnapshot;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@Tag("kernel")
@Tag("registry")
class RegistryPullTest {
    @TempDir
    static Path work;
    static TestRegistry registry;
    static Path layout;
    static Path umociRoot;

    @BeforeAll
    static void registryWithImages() throws Exception {
        assumeTrue(Cmd.isRoot(), "the store chowns, makes whiteout devices and mounts overlays: needs root");
        registry = TestRegistry.start(work.resolve("registry"), null, null);
        layout = TestImages.multiLayer(work.resolve("img"));
        registry.push(layout, "t", "test/multi:t", null);
        umociRoot = TestImages.umociUnpack(layout, "t", work.resolve("bundle"));
        Path single = TestImages.single(work.resolve("single"), "single\n");
        registry.push(single, "t", "test/multi:single", null);
    }

    @AfterAll
    static void stop() {
        if (registry != null) registry.close();
    }

    private static ImageStore store(String name) {
        return ImageStore.open(work.resolve(name), StoreConfig.defaults().withRetries(2, java.time.Duration.ofMillis(50)));
    }

    private static ImageReference ref(String repoTag) {
        return ImageReference.parse(registry.host() + "/" + repoTag);
    }

    /** Mounts the image's layers with overlayfs (as the sandbox does) and snapshots the merged tree. */
    @Test
    void pullOfMultiLayerImageWithWhiteoutsGivesTheTreeUmociUnpackGives() throws Exception {
        ImageStore store = store("store-tree");
        StoredImage img = store.pull(ref("test/multi:t"), ProgressListener.NONE);
        assertThat(img.layers()).hasSize(6);
        Map<String, String> ours = TreeSnapshot.merged(img, work.resolve("mnt-tree"));
        Map<String, String> umoci = TreeSnapshot.of(umociRoot, 0);
        assertThat(ours).isEqualTo(umoci);
        // The image really exercises whiteouts and opaque directories.
        assertThat(umoci).containsKey("opt/app/data/only").doesNotContainKeys("opt/app/old", "etc/config", "opt/app/data/b", "opt/app/data/deep");
        assertThat(umoci.get("opt/app/suid")).contains("mode=4755");
        assertThat(umoci.get("opt/app/data")).contains("owner=0:0");
        assertThat(img.env()).contains("GREETING=hello world");
        assertThat(img.workingDir()).isEqualTo("/opt/app");
        assertThat(img.cmd()).containsExactly("/bin/sh");
        assertThat(img.toSandboxImage().env()).containsEntry("GREETING", "hello world").containsKey("PATH");
        assertThat(store.find(registry.host() + "/test/multi:t")).contains(img);
    }

    @Test
    void secondPullDownloadsNoLayer() {
        ImageStore store = store("store-twice");
        store.pull(ref("test/multi:t"), ProgressListener.NONE);
        List<String> outcomes = new ArrayList<>();
        AtomicInteger started = new AtomicInteger();
        store.pull(ref("test/multi:t"), new ProgressListener() {
            @Override
            public void started(String id, String what, long totalBytes) {
                started.incrementAndGet();
            }

            @Override
            public void finished(String id, String outcome) {
                outcomes.add(outcome);
            }
        });
        assertThat(started).hasValue(0);
        assertThat(outcomes).hasSize(6).allMatch(o -> o.equals("already present"));
    }

    @Test
    void concurrentPullsOfOneImageExtractEachLayerOnce() throws Exception {
        ImageStore store = store("store-concurrent");
        AtomicInteger extractions = new AtomicInteger();
        ProgressListener counting = new ProgressListener() {
            @Override
            public void started(String id, String what, long totalBytes) {
                extractions.incrementAndGet();
            }
        };
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<StoredImage>> fs = new ArrayList<>();
            for (int i = 0; i < 4; i++) fs.add(pool.submit((Callable<StoredImage>) () -> store.pull(ref("test/multi:t"), counting)));
            for (Future<StoredImage> f : fs) assertThat(f.get().layers()).hasSize(6);
        } finally {
            pool.shutdownNow();
        }
        assertThat(extractions).hasValue(6);
        try (var s = Files.list(store.root().resolve("tmp"))) {
            assertThat(s).isEmpty();
        }
    }

    @Test
    void pullByDigestWorksAndAWrongDigestIsNotFound() throws Exception {
        ImageStore store = store("store-digest");
        StoredImage byTag = store.pull(ref("test/multi:single"), ProgressListener.NONE);
        StoredImage byDigest = store.pull(ImageReference.parse(registry.host() + "/test/multi@" + byTag.manifestDigest()), ProgressListener.NONE);
        assertThat(byDigest.layers()).isEqualTo(byTag.layers());
        assertThat(Files.readString(byDigest.layers().get(0).resolve("hello"))).isEqualTo("single\n");
        String bogus = "sha256:" + "0".repeat(64);
        assertThatThrownBy(() -> store.pull(ImageReference.parse(registry.host() + "/test/multi@" + bogus), ProgressListener.NONE))
                .isInstanceOf(ImageException.class).satisfies(e -> assertThat(((ImageException) e).kind()).isEqualTo(ImageException.Kind.NOT_FOUND));
    }

    @Test
    void missingRepositoryGivesAClearNotFound() {
        assertThatThrownBy(() -> store("store-missing").pull(ref("test/nothing:here"), ProgressListener.NONE))
                .isInstanceOf(ImageException.class).hasMessageContaining("test/nothing").hasMessageContaining("404");
    }

    @Test
    void indexPullSelectsTheConfiguredPlatform() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        String amd = manifestDigest(http, "test/multi", "t");
        String arm = manifestDigest(http, "test/multi", "single");
        long amdSize = manifestSize(http, "test/multi", "t");
        long armSize = manifestSize(http, "test/multi", "single");
        String index = """
                {"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[
                 {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":%d,"platform":{"architecture":"arm64","os":"linux","variant":"v8"}},
                 {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":%d,"platform":{"architecture":"amd64","os":"linux"}}]}
                """.formatted(arm, armSize, amd, amdSize);
        HttpResponse<String> put = http.send(HttpRequest.newBuilder(URI.create("http://" + registry.host() + "/v2/test/multi/manifests/multiarch"))
                .header("Content-Type", "application/vnd.oci.image.index.v1+json").PUT(HttpRequest.BodyPublishers.ofString(index)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(put.statusCode()).as(put.body()).isEqualTo(201);

        StoredImage amd64 = store("store-index").pull(ref("test/multi:multiarch"), ProgressListener.NONE);
        assertThat(amd64.manifestDigest()).isEqualTo(amd);
        assertThat(amd64.layers()).hasSize(6);
        ImageStore armStore = ImageStore.open(work.resolve("store-index-arm"), StoreConfig.defaults().withPlatform("linux", "arm64"));
        assertThat(armStore.pull(ref("test/multi:multiarch"), ProgressListener.NONE).manifestDigest()).isEqualTo(arm);
        ImageStore s390 = ImageStore.open(work.resolve("store-index-s390"), StoreConfig.defaults().withPlatform("linux", "s390x"));
        assertThatThrownBy(() -> s390.pull(ref("test/multi:multiarch"), ProgressListener.NONE))
                .hasMessageContaining("no image for linux/s390x").hasMessageContaining("linux/amd64");
    }

    @Test
    void dockerSchema2ManifestAndManifestListArePulledLikeTheirOciTwins() throws Exception {
        registry.push(layout, "t", "test/docker:v2s2", null, List.of("--format=v2s2"));
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<byte[]> m = http.send(HttpRequest.newBuilder(URI.create("http://" + registry.host() + "/v2/test/docker/manifests/v2s2"))
                .header("Accept", MediaTypes.DOCKER_MANIFEST).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(new String(m.body(), java.nio.charset.StandardCharsets.UTF_8))
                .contains(MediaTypes.DOCKER_MANIFEST).contains("application/vnd.docker.image.rootfs.diff.tar.gzip");
        String list = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.DOCKER_LIST + "\",\"manifests\":[{\"mediaType\":\""
                + MediaTypes.DOCKER_MANIFEST + "\",\"digest\":\"" + Digests.sha256(m.body()) + "\",\"size\":" + m.body().length
                + ",\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"}}]}";
        HttpResponse<String> put = http.send(HttpRequest.newBuilder(URI.create("http://" + registry.host() + "/v2/test/docker/manifests/list"))
                .header("Content-Type", MediaTypes.DOCKER_LIST).PUT(HttpRequest.BodyPublishers.ofString(list)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(put.statusCode()).as(put.body()).isEqualTo(201);

        ImageStore store = store("store-docker");
        StoredImage fromList = store.pull(ref("test/docker:list"), ProgressListener.NONE);
        StoredImage oci = store.pull(ref("test/multi:t"), ProgressListener.NONE);
        assertThat(fromList.manifestDigest()).isEqualTo(Digests.sha256(m.body()));
        assertThat(fromList.layerDigests()).isEqualTo(oci.layerDigests());
        assertThat(fromList.env()).contains("GREETING=hello world");
    }

    private static HttpResponse<byte[]> getManifest(HttpClient http, String repo, String tag) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://" + registry.host() + "/v2/" + repo + "/manifests/" + tag))
                .header("Accept", MediaTypes.OCI_MANIFEST).build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static String manifestDigest(HttpClient http, String repo, String tag) throws Exception {
        return Digests.sha256(getManifest(http, repo, tag).body());
    }

    private static long manifestSize(HttpClient http, String repo, String tag) throws Exception {
        return getManifest(http, repo, tag).body().length;
    }

    @Test
    void anImageBombFromTheRegistryIsRefusedAtTheImageCapAndTheStoreIsAsBefore() throws Exception {
        // Three layers pulled at once: two of 300 files each are fine, together they pass the cap of 500.
        byte[] a = HostileImages.manyFiles("a", 300);
        byte[] b = HostileImages.manyFiles("b", 300);
        byte[] c = HostileImages.oneFile("c", 10);
        registry.push(HostileImages.layout(work.resolve("bomb-layout"), List.of(a, b, c)), "t", "test/bomb:t", null);
        ImageStore store = ImageStore.open(work.resolve("store-bomb"), StoreConfig.defaults().withCaps(StoreCaps.defaults().withImage(1L << 30, 500)));
        store.pull(ref("test/multi:single"), ProgressListener.NONE);
        Map<String, String> before = HostileImages.snapshot(store.root());
        assertThatThrownBy(() -> store.pull(ref("test/bomb:t"), ProgressListener.NONE))
                .isInstanceOf(ImageException.class)
                .hasMessageStartingWith("image " + registry.host() + "/test/bomb:t refused at layer ")
                .hasMessageEndingWith(": over the per-image cap of 500 entries (imageEntries)");
        assertThat(HostileImages.snapshot(store.root())).isEqualTo(before);
        assertThat(store.list()).hasSize(1);
    }

    @Test
    void tamperedBlobIsRejectedAndNothingIsPublished() throws Exception {
        Path img = TestImages.single(work.resolve("tamper"), "original content\n");
        registry.push(img, "t", "test/tamper:t", null);
        JsonManifest m = JsonManifest.of(img);
        Path blob = work.resolve("registry/data/docker/registry/v2/blobs/sha256/" + m.layerHex.substring(0, 2) + "/" + m.layerHex + "/data");
        byte[] b = Files.readAllBytes(blob);
        b[b.length / 2] ^= 0x55;
        Files.write(blob, b);
        ImageStore store = store("store-tamper");
        assertThatThrownBy(() -> store.pull(ref("test/tamper:t"), ProgressListener.NONE))
                .isInstanceOf(ImageException.class)
                .satisfies(e -> assertThat(((ImageException) e).kind()).isEqualTo(ImageException.Kind.REJECTED_CONTENT));
        try (var s = Files.list(store.root().resolve("layers"))) {
            assertThat(s).isEmpty();
        }
        try (var s = Files.list(store.root().resolve("tmp"))) {
            assertThat(s).isEmpty();
        }
        assertThat(store.list()).isEmpty();
    }

    /** The layer blob of a one-layer umoci layout. */
    record JsonManifest(String layerHex) {
        static JsonManifest of(Path layout) throws Exception {
            var json = new com.fasterxml.jackson.databind.ObjectMapper();
            var index = json.readTree(layout.resolve("index.json").toFile());
            String md = index.path("manifests").get(0).path("digest").asText();
            var manifest = json.readTree(layout.resolve("blobs/sha256/" + md.substring(7)).toFile());
            return new JsonManifest(manifest.path("layers").get(0).path("digest").asText().substring(7));
        }
    }
}
