package dev.ato.rootfs;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class PullCrashTest {
    @TempDir
    Path work;

    @Test
    void pullKilledMidwayLeavesNoUsableLayerAndTheNextPullSucceeds() throws Exception {
        assumeTrue(Cmd.isRoot(), "the store chowns layer files: needs root");
        byte[] noise = new byte[6 << 20];
        new Random(42).nextBytes(noise);
        Path src = Files.createDirectories(work.resolve("src"));
        Files.write(src.resolve("noise"), noise);
        Path layout = work.resolve("layout");
        Cmd.run("umoci", "init", "--layout", layout.toString());
        Cmd.run("umoci", "new", "--image", layout + ":t");
        Cmd.run("umoci", "insert", "--image", layout + ":t", src.resolve("noise").toString(), "/noise");

        try (TestRegistry registry = TestRegistry.start(work.resolve("registry"), null, null);
             TestProxy proxy = TestProxy.throttled(registry, 64 * 1024)) {
            registry.push(layout, "t", "test/big:t", null);
            Path storeRoot = work.resolve("store");
            String ref = proxy.host() + "/test/big:t";
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Process child = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                    PullMain.class.getName(), storeRoot.toString(), ref).redirectErrorStream(true)
                    .redirectOutput(work.resolve("child.log").toFile()).start();
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
