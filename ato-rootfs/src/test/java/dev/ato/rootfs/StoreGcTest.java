package dev.ato.rootfs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** gc in one process against imports in another: layers published but not yet recorded are pinned. */
@Tag("kernel")
class StoreGcTest {
    @TempDir
    Path work;

    @BeforeEach
    void root() {
        assumeTrue(Cmd.isRoot(), "the store chowns layer files: needs root");
    }

    /** Runs GcMain on the store in a second JVM and returns its output. */
    private String gcInAnotherJvm(Path store) throws Exception {
        Process p = new ProcessBuilder(Cmd.javaMain(GcMain.class, store.toString())).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out;
    }

    @Test
    void gcInAnotherProcessDuringAnImportKeepsTheLayersAlreadyPublished() throws Exception {
        Path layout = TestImages.multiLayer(work.resolve("img"));
        Path root = work.resolve("store");
        ImageStore store = ImageStore.open(root, StoreConfig.defaults());
        AtomicInteger started = new AtomicInteger();
        List<String> gcOutput = new ArrayList<>();
        List<String> layersAtGc = new ArrayList<>();
        // The import goes layer by layer; when the third starts, two are published (and their locks released)
        // but no record names them yet: exactly the window an in-JVM guard cannot cover.
        StoredImage img = store.importOciLayout(layout, new ProgressListener() {
            @Override
            public void started(String id, String what, long totalBytes) {
                if (started.incrementAndGet() != 3) return;
                try {
                    try (var s = Files.list(root.resolve("layers"))) {
                        s.forEach(p -> layersAtGc.add(p.getFileName().toString()));
                    }
                    gcOutput.add(gcInAnotherJvm(root));
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            }
        }).get(0);
        assertThat(layersAtGc).hasSize(2);
        assertThat(gcOutput).singleElement().asString().startsWith("removed 0 ");
        assertThat(img.layers()).hasSize(6).allMatch(Files::isDirectory);
        assertThat(store.find(img.reference().canonical())).contains(img);
        try (var s = Files.list(root.resolve("pins"))) {
            assertThat(s).as("the pin is released when the image is recorded").isEmpty();
        }
        // Once recorded and then removed, the same gc in another process does remove the layers.
        store.remove(img.reference().canonical());
        assertThat(gcInAnotherJvm(root)).startsWith("removed 6 ");
    }

    @Test
    void aPinOfAProcessThatIsGoneProtectsNothing() throws Exception {
        Path root = work.resolve("store");
        ImageStore store = ImageStore.open(root, StoreConfig.defaults());
        StoredImage one = store.importOciLayout(TestImages.single(work.resolve("one"), "one\n"), ProgressListener.NONE).get(0);
        store.remove(one.reference().canonical());
        String hex = one.layerDigests().get(0).substring(7);
        // A pid above pid_max is never alive: the pin a killed pull would leave.
        Path stale = root.resolve("pins/4194305-dead");
        Files.writeString(stale, hex + "\n");
        Path live = root.resolve("pins/" + ProcessHandle.current().pid() + "-live");
        Files.writeString(live, hex + "\n");
        assertThat(store.gc().removedLayers()).isEmpty();
        assertThat(stale).doesNotExist();
        Files.delete(live);
        assertThat(store.gc().removedLayers()).containsExactly(one.layerDigests().get(0));
    }
}
