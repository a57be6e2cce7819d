package dev.ato.rootfs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Image bombs through {@code ImageStore} on the real file system: a small archive declaring a 3 GiB sparse
 * file takes no disk; many tiny files, big layers, a full store and a full disk are refused with one line
 * naming the image, the layer and the cap, and the store holds exactly what it held before. Caps are set low
 * here so the archives stay small.
 */
@Tag("kernel")
class ImageBombTest {
    @TempDir
    Path work;
    Path root;

    @BeforeEach
    void setUp() {
        assumeTrue(Cmd.isRoot(), "the store chowns layer files: needs root");
        root = work.resolve("store");
    }

    private ImageStore store(StoreCaps caps) {
        return ImageStore.open(root, StoreConfig.defaults().withCaps(caps));
    }

    /** A store already holding one image, so "as before" is not just "empty". */
    private ImageStore storeWithOneImage(StoreCaps caps) throws Exception {
        ImageStore s = store(caps);
        s.importOciLayout(HostileImages.layout(work.resolve("ok"), List.of(HostileImages.oneFile("ok", 100))), ProgressListener.NONE);
        return s;
    }

    private static long du(Path p) {
        return Long.parseLong(Cmd.run("du", "-s", "--block-size=1", p.toString()).split("\\s")[0]);
    }

    @Test
    void aSmallArchiveDeclaringAThreeGibibyteSparseFileTakesNoDisk() throws Exception {
        byte[] layer = HostileImages.sparseFile(work, "3G");
        Path archive = HostileImages.dockerArchive(work.resolve("sparse.tar"), "bomb/sparse:1", List.of(layer));
        assertThat(Files.size(archive)).isLessThan(64 << 10);
        ImageStore store = store(StoreCaps.defaults());
        StoredImage img = store.importArchive(archive, ProgressListener.NONE).get(0);
        Path big = img.layers().get(0).resolve("big");
        assertThat(Files.size(big)).isEqualTo((3L << 30) + 4);
        assertThat(du(root)).isLessThan(1 << 20);
        try (var ch = java.nio.channels.FileChannel.open(big)) {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4);
            ch.read(b, 3L << 30);
            assertThat(new String(b.array())).isEqualTo("tail");
        }
    }

    @Test
    void tooManyFilesForTheImageAreRefusedAndNothingIsLeft() throws Exception {
        ImageStore store = storeWithOneImage(StoreCaps.defaults().withImage(1L << 30, 1000));
        Map<String, String> before = HostileImages.snapshot(root);
        byte[] layer = HostileImages.manyFiles("f", 1500);
        Path archive = HostileImages.dockerArchive(work.resolve("inodes.tar"), "bomb/inodes:1", List.of(layer));
        String layerId = Digest.shortHex(layer);
        assertThatThrownBy(() -> store.importArchive(archive, ProgressListener.NONE))
                .isInstanceOf(ImageException.class)
                .hasMessage("image bomb/inodes:1 refused at layer " + layerId + ": over the per-image cap of 1000 entries (imageEntries)");
        assertThat(HostileImages.snapshot(root)).isEqualTo(before);
        assertThat(store.list()).hasSize(1);
    }

    @Test
    void aLaterLayerOverTheImageByteCapTakesTheEarlierLayersBackOut() throws Exception {
        ImageStore store = storeWithOneImage(StoreCaps.defaults().withImage(200_000, 1000));
        Map<String, String> before = HostileImages.snapshot(root);
        byte[] first = HostileImages.oneFile("first", 120_000);
        byte[] second = HostileImages.oneFile("second", 120_000);
        Path layout = HostileImages.layout(work.resolve("bytes"), List.of(first, second));
        assertThatThrownBy(() -> store.importOciLayout(layout, ImageReference.parse("localhost/bomb:bytes"), ProgressListener.NONE))
                .isInstanceOf(ImageException.class)
                .hasMessage("image localhost/bomb:bytes refused at layer " + Digest.shortHex(second) + ": over the per-image cap of 200000 bytes (imageBytes)");
        assertThat(HostileImages.snapshot(root)).isEqualTo(before);
    }

    @Test
    void theStoreCapCountsEveryStoredLayer() throws Exception {
        ImageStore store = storeWithOneImage(StoreCaps.defaults().withStore(1L << 30, 10));
        Map<String, String> before = HostileImages.snapshot(root);
        Path layout = HostileImages.layout(work.resolve("store-cap"), List.of(HostileImages.manyFiles("g", 10)));
        assertThatThrownBy(() -> store.importOciLayout(layout, ImageReference.parse("localhost/bomb:store"), ProgressListener.NONE))
                .isInstanceOf(ImageException.class).hasMessageContaining("image localhost/bomb:store refused at layer ")
                .hasMessageEndingWith(": over the per-store cap of 10 entries (storeEntries)");
        assertThat(HostileImages.snapshot(root)).isEqualTo(before);
        // Room again once the first image is gone.
        store.remove(store.list().get(0).reference().canonical());
        store.gc();
        assertThat(store.importOciLayout(layout, ImageReference.parse("localhost/bomb:store"), ProgressListener.NONE).layers()).hasSize(1);
    }

    @Test
    void aLayerIsRefusedBeforeItStartsWhenTheFreeSpaceIsDownToTheReserve() throws Exception {
        long free = root.getParent().toFile().getUsableSpace();
        ImageStore store = storeWithOneImage(StoreCaps.defaults());
        Map<String, String> before = HostileImages.snapshot(root);
        Path layout = HostileImages.layout(work.resolve("disk"), List.of(HostileImages.oneFile("x", 10)));
        ImageStore full = store(StoreCaps.defaults().withReserve(free * 4, 0));
        assertThatThrownBy(() -> full.importOciLayout(layout, ImageReference.parse("localhost/bomb:disk"), ProgressListener.NONE))
                .isInstanceOf(ImageException.class).hasMessageContaining("image localhost/bomb:disk refused at layer ")
                .hasMessageContaining(": over the free-space reserve of " + free * 4 + " bytes (reserveBytes): ");
        ImageStore noInodes = store(StoreCaps.defaults().withReserve(0, Long.MAX_VALUE / 2));
        assertThatThrownBy(() -> noInodes.importOciLayout(layout, ImageReference.parse("localhost/bomb:disk"), ProgressListener.NONE))
                .isInstanceOf(ImageException.class).hasMessageContaining("(reserveInodes)");
        assertThat(HostileImages.snapshot(root)).isEqualTo(before);
        assertThat(store.list()).hasSize(1);
    }

    @Test
    void aLayerSharedWithAStoredImageCountsAgainstTheNewImageToo() throws Exception {
        byte[] shared = HostileImages.oneFile("shared", 150_000);
        ImageStore store = store(StoreCaps.defaults().withImage(200_000, 1000));
        store.importOciLayout(HostileImages.layout(work.resolve("a"), List.of(shared)), ImageReference.parse("localhost/a:1"), ProgressListener.NONE);
        Path layout = HostileImages.layout(work.resolve("b"), List.of(shared, HostileImages.oneFile("more", 100_000)));
        assertThatThrownBy(() -> store.importOciLayout(layout, ImageReference.parse("localhost/b:1"), ProgressListener.NONE))
                .hasMessageEndingWith(": over the per-image cap of 200000 bytes (imageBytes)");
        assertThat(store.find("localhost/a:1")).isPresent();
    }

    /** Layer ids as messages print them. */
    static final class Digest {
        static String shortHex(byte[] layer) {
            return dev.ato.rootfs.registry.Digests.sha256(layer).substring(7, 19);
        }
    }
}
