package dev.ato.rootfs;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class ImportTest {
    @TempDir
    Path work;

    @BeforeEach
    void root() {
        assumeTrue(Cmd.isRoot(), "the store chowns, makes whiteout devices and mounts overlays: needs root");
    }

    @Test
    void ociLayoutImportKeepsEveryLayer() throws Exception {
        Path layout = TestImages.multiLayer(work.resolve("img"));
        ImageStore store = ImageStore.open(work.resolve("store"), StoreConfig.defaults());
        List<StoredImage> imgs = store.importOciLayout(layout, ProgressListener.NONE);
        assertThat(imgs).hasSize(1);
        assertThat(imgs.get(0).reference().canonical()).isEqualTo("localhost/layout:t");
        assertThat(imgs.get(0).layers()).hasSize(6);
    }
}
