package dev.ato.rootfs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Pulls that meet trouble: killed processes, concurrent processes, stalled connections, server errors. */
@Tag("kernel")
@Tag("registry")
class PullResilienceTest {
    /** Reads a layout's first layer digest. */
    static final class RegistryBlobs {
        static String layerDigest(Path layout) throws Exception {
            var json = new com.fasterxml.jackson.databind.ObjectMapper();
            String md = json.readTree(layout.resolve("index.json").toFile()).path("manifests").get(0).path("digest").asText();
            return json.readTree(layout.resolve("blobs/sha256/" + md.substring(7)).toFile()).path("layers").get(0).path("digest").asText();
        }
    }

    @TempDir
    Path work;

    private byte[] noise;

    /** A one-layer layout with 6 MiB of incompressible data, so a throttled pull takes a few seconds. */
    private Path bigLayout() {
        noise = new byte[6 << 20];
        new Random(42).nextBytes(noise);
        try {
            Path src = Files.createDirectories(work.resolve("src"));
            Files.write(src.resolve("noise"), noise);
            Path layout = work.resolve("layout");
            Cmd.run("umoci", "init", "--layout", layout.toString());
            Cmd.run("umoci", "new", "--image", layout + ":t");
            Cmd.run("umoci", "insert", "--image", layout + ":t", src.resolve("noise").toString(), "/noise");
            return layout;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private Process pullInChild(Path storeRoot, String ref, String log) throws java.io.IOException {
        return new ProcessBuilder(Cmd.javaMain(PullMain.class, storeRoot.toString(), ref)).redirectErrorStream(true)
                .redirectOutput(work.resolve(log).toFile()).start();
    }

    @Test
    void twoProcessesPullingOneImageDownloadAndExtractItsLayerOnce() throws Exception {
        assumeTrue(Cmd.isRoot(), "the store chowns layer files: needs root");
        Path layout = bigLayout();
        try (TestRegistry registry = TestRegistry.start(work.resolve("registry"), null, null);
             TestProxy proxy = TestProxy.throttled(registry, 128 * 1024)) {
            registry.push(layout, "t", "test/big:t", null);
            Path storeRoot = work.resolve("store");
            ImageStore.open(storeRoot, StoreConfig.defaults());
            String ref = proxy.host() + "/test/big:t";
            // At 1.3 MB/s the 6 MiB layer takes ~5 s, far longer than the gap between the two JVMs' starts, so
            // the second finds the first holding the layer's lock and waits for it.
            Process a = pullInChild(storeRoot, ref, "a.log");
            Process b = pullInChild(storeRoot, ref, "b.log");
            assertThat(a.waitFor()).as(Files.readString(work.resolve("a.log"))).isZero();
            assertThat(b.waitFor()).as(Files.readString(work.resolve("b.log"))).isZero();
            ImageStore store = ImageStore.open(storeRoot, StoreConfig.defaults());
            StoredImage img = store.find(ref).orElseThrow();
            String layerBlob = RegistryBlobs.layerDigest(layout);
            // Both processes fetched the manifest and config; the layer blob was fetched by one of them only.
            assertThat(proxy.requests.stream().filter(p -> p.endsWith("/blobs/" + layerBlob))).hasSize(1);
            assertThat(proxy.requests.stream().filter(p -> p.contains("/manifests/"))).hasSize(2);
            assertThat(Files.readAllBytes(img.layers().get(0).resolve("noise"))).isEqualTo(noise);
        }
    }

    @Test
    void stalledDownloadIsAbandonedAndRetried() throws Exception {
        assumeTrue(Cmd.isRoot(), "the store chowns layer files: needs root");
        Path layout = bigLayout();
        try (TestRegistry registry = TestRegistry.start(work.resolve("registry"), null, null);
             TestProxy proxy = TestProxy.plain(registry)) {
            registry.push(layout, "t", "test/big:t", null);
            String layerBlob = RegistryBlobs.layerDigest(layout);
            proxy.stallBlob.set(layerBlob);
            ImageStore store = ImageStore.open(work.resolve("store"), StoreConfig.defaults()
                    .withRequestTimeout(java.time.Duration.ofSeconds(1)).withRetries(3, java.time.Duration.ofMillis(50)));
            List<String> outcomes = new java.util.concurrent.CopyOnWriteArrayList<>();
            long t0 = System.nanoTime();
            StoredImage img = store.pull(ImageReference.parse(proxy.host() + "/test/big:t"), new ProgressListener() {
                @Override
                public void finished(String id, String outcome) {
                    outcomes.add(outcome);
                }
            });
            assertThat(System.nanoTime() - t0).isLessThan(12_000_000_000L);
            assertThat(Files.readAllBytes(img.layers().get(0).resolve("noise"))).isEqualTo(noise);
            // The layer's first download stalled halfway, was closed after 1 s of silence, and was retried whole.
            assertThat(proxy.requests.stream().filter(p -> p.endsWith(layerBlob)).count()).isEqualTo(2);
            assertThat(outcomes).anyMatch(o -> o.startsWith("retrying after:") && o.contains("no data for 1 s"));
            assertThat(outcomes).last().isEqualTo("done");
        }
    }

    @Test
    void serverErrorsAreRetriedWithBackOffThenReported() throws Exception {
        assumeTrue(Cmd.isRoot(), "the store chowns layer files: needs root");
        Path layout = TestImages.single(work, "retry\n");
        try (TestRegistry registry = TestRegistry.start(work.resolve("registry"), null, null);
             TestProxy proxy = TestProxy.plain(registry)) {
            registry.push(layout, "t", "test/retry:t", null);
            ImageReference ref = ImageReference.parse(proxy.host() + "/test/retry:t");
            proxy.failNext.set(3);
            StoredImage img = ImageStore.open(work.resolve("store"), StoreConfig.defaults().withRetries(4, java.time.Duration.ofMillis(20)))
                    .pull(ref, ProgressListener.NONE);
            assertThat(img.layers().get(0).resolve("hello")).hasContent("retry");
            assertThat(proxy.requests.subList(0, 4)).allMatch(p -> p.endsWith("/manifests/t"));

            proxy.failNext.set(100);
            ImageStore other = ImageStore.open(work.resolve("store2"), StoreConfig.defaults().withRetries(2, java.time.Duration.ofMillis(20)));
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> other.pull(ref, ProgressListener.NONE))
                    .isInstanceOf(ImageException.class)
                    .hasMessageContaining("failed after 2 attempts: HTTP 503")
                    .satisfies(e -> assertThat(((ImageException) e).kind()).isEqualTo(ImageException.Kind.NETWORK));
        }
    }

    @Test
    void pullKilledMidwayLeavesNoUsableLayerAndTheNextPullSucceeds() throws Exception {
        assumeTrue(Cmd.isRoot(), "the store chowns layer files: needs root");
        Path layout = bigLayout();

        try (TestRegistry registry = TestRegistry.start(work.resolve("registry"), null, null);
             TestProxy proxy = TestProxy.throttled(registry, 64 * 1024)) {
            registry.push(layout, "t", "test/big:t", null);
            Path storeRoot = work.resolve("store");
            String ref = proxy.host() + "/test/big:t";
            Process child = pullInChild(storeRoot, ref, "child.log");
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (proxy.blobBytesSent.get() < (2 << 20)) {
                assertThat(child.isAlive()).as("child still pulling; log: %s", Files.readString(work.resolve("child.log"))).isTrue();
                assertThat(System.nanoTime()).as("child made no progress").isLessThan(deadline);
                Thread.sleep(50);
            }
            child.destroyForcibly();
            child.waitFor();

            try (var s = Files.list(storeRoot.resolve("layers"))) {
                assertThat(s).as("no layer is published by a killed pull").isEmpty();
            }
            try (var s = Files.list(storeRoot.resolve("images"))) {
                assertThat(s).isEmpty();
            }
            try (var s = Files.list(storeRoot.resolve("tmp"))) {
                assertThat(s).as("the killed pull's half-extracted layer").hasSize(1);
            }

            proxy.unthrottle();
            ImageStore store = ImageStore.open(storeRoot, StoreConfig.defaults());
            try (var s = Files.list(storeRoot.resolve("tmp"))) {
                assertThat(s).as("open sweeps the dead process's temp directory").isEmpty();
            }
            assertThat(store.find(ref)).isEmpty();
            StoredImage img = store.pull(ImageReference.parse(ref), ProgressListener.NONE);
            assertThat(Files.readAllBytes(img.layers().get(0).resolve("noise"))).isEqualTo(noise);
            assertThat(store.find(ref)).contains(img);
        }
    }
}
