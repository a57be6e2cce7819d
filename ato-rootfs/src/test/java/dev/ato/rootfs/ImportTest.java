package dev.ato.rootfs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ato.rootfs.registry.Digests;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@Tag("kernel")
class ImportTest {
    @TempDir
    Path work;

    @BeforeEach
    void root() {
        assumeTrue(Cmd.isRoot(), "the store chowns, makes whiteout devices and mounts overlays: needs root");
    }

    private ImageStore store() {
        return ImageStore.open(work.resolve("store"), StoreConfig.defaults());
    }

    @Test
    void ociLayoutImportGivesTheTreeUmociUnpackGives() throws Exception {
        Path layout = TestImages.multiLayer(work.resolve("img"));
        List<StoredImage> imgs = store().importOciLayout(layout, ProgressListener.NONE);
        assertThat(imgs).hasSize(1);
        StoredImage img = imgs.get(0);
        assertThat(img.reference().canonical()).isEqualTo("localhost/layout:t");
        assertThat(img.source()).isEqualTo("oci-layout");
        assertThat(img.layers()).hasSize(6);
        Map<String, String> ours = TreeSnapshot.merged(img, work.resolve("mnt"));
        assertThat(ours).isEqualTo(TreeSnapshot.of(TestImages.umociUnpack(layout, "t", work.resolve("bundle")), 0));
    }

    @Test
    void dockerSaveArchiveImportSharesLayersWithTheSameImageFromALayout() throws Exception {
        Path layout = TestImages.multiLayer(work.resolve("img"));
        Path archive = work.resolve("saved.tar");
        Cmd.run("skopeo", "copy", "--quiet", "oci:" + layout + ":t", "docker-archive:" + archive + ":saved/img:v1");
        ImageStore store = store();
        StoredImage fromLayout = store.importOciLayout(layout, ProgressListener.NONE).get(0);
        List<StoredImage> saved = store.importArchive(archive, ProgressListener.NONE);
        assertThat(saved).hasSize(1);
        assertThat(saved.get(0).reference().canonical()).isEqualTo("docker.io/saved/img:v1");
        assertThat(saved.get(0).source()).isEqualTo("docker-archive");
        assertThat(saved.get(0).layerDigests()).isEqualTo(fromLayout.layerDigests());
        assertThat(saved.get(0).layers()).isEqualTo(fromLayout.layers());
        assertThat(saved.get(0).env()).contains("GREETING=hello world");
        assertThat(store.find("saved/img:v1")).isPresent();

        Cmd.run("gzip", "-k", archive.toString());
        ImageStore other = ImageStore.open(work.resolve("store2"), StoreConfig.defaults());
        StoredImage fromGz = other.importArchive(Path.of(archive + ".gz"), ProgressListener.NONE).get(0);
        assertThat(fromGz.layerDigests()).isEqualTo(fromLayout.layerDigests());
        assertThat(TreeSnapshot.of(fromGz.layers().get(0), 100000)).isEqualTo(TreeSnapshot.of(fromLayout.layers().get(0), 100000));
    }

    @Test
    void gcRemovesOnlyLayersNoImageReferences() throws Exception {
        ImageStore store = store();
        StoredImage multi = store.importOciLayout(TestImages.multiLayer(work.resolve("img")), ProgressListener.NONE).get(0);
        StoredImage single = store.importOciLayout(TestImages.single(work.resolve("one"), "one\n"), ProgressListener.NONE).get(0);
        assertThat(store.list()).extracting(StoredImage::reference).containsExactly(multi.reference(), single.reference());
        assertThat(store.gc().removedLayers()).isEmpty();
        assertThat(store.remove(single.reference().canonical())).isTrue();
        assertThat(store.remove(single.reference().canonical())).isFalse();
        ImageStore.GcResult gc = store.gc();
        assertThat(gc.removedLayers()).containsExactlyElementsOf(single.layerDigests());
        assertThat(gc.bytesFreed()).isEqualTo(4);
        assertThat(Files.exists(single.layers().get(0))).isFalse();
        assertThat(multi.layers()).allMatch(Files::isDirectory);
        assertThat(store.find(multi.reference().canonical())).contains(multi);
    }

    @Test
    void hostileLayerInALayoutPublishesNothing() throws Exception {
        Path layout = handMadeLayout(work.resolve("evil"), tar("../../escaped", "pwned"));
        ImageStore store = store();
        assertThatThrownBy(() -> store.importOciLayout(layout, ProgressListener.NONE))
                .isInstanceOf(ImageException.class).hasMessageContaining("'..'");
        try (var s = Files.list(store.root().resolve("layers"))) {
            assertThat(s).isEmpty();
        }
        try (var s = Files.list(store.root().resolve("tmp"))) {
            assertThat(s).isEmpty();
        }
        try (var s = Files.walk(work)) {
            assertThat(s.filter(p -> p.getFileName().toString().equals("escaped"))).isEmpty();
        }
        assertThat(store.list()).isEmpty();
    }

    @Test
    void layerWhoseContentDoesNotMatchItsDiffIdIsRejected() throws Exception {
        Path layout = handMadeLayout(work.resolve("lying"), tar("a", "a"), "sha256:" + "1".repeat(64));
        assertThatThrownBy(() -> store().importOciLayout(layout, ProgressListener.NONE))
                .isInstanceOf(ImageException.class).hasMessageContaining("but the image config says sha256:1111");
    }

    @Test
    void fstabLineMountsTheImageReadOnly() throws Exception {
        StoredImage img = store().importOciLayout(TestImages.multiLayer(work.resolve("img")), ProgressListener.NONE).get(0);
        Path mnt = Files.createDirectories(work.resolve("mnt"));
        String line = img.fstabLine(mnt);
        assertThat(line).startsWith("overlay " + mnt + " overlay ro,lowerdir=" + img.layers().get(5) + ":").endsWith(img.layers().get(0) + " 0 0");
        Path fstab = work.resolve("fstab");
        Files.writeString(fstab, line + "\n");
        Cmd.run("mount", "-T", fstab.toString(), mnt.toString());
        try {
            assertThat(mnt.resolve("opt/app/new")).hasContent("new");
            assertThat(Files.exists(mnt.resolve("opt/app/old"))).isFalse();
        } finally {
            Cmd.run("umount", mnt.toString());
        }
        StoredImage one = store().importOciLayout(TestImages.single(work.resolve("one"), "x"), ProgressListener.NONE).get(0);
        assertThat(one.fstabLine(Path.of("/srv/a b"))).isEqualTo(one.layers().get(0) + " /srv/a\\040b none bind,ro 0 0");
    }

    @Test
    void gzipAndZstdLayersAreRecognisedByTheirMagicAndVerifiedAgainstTheDiffId() throws Exception {
        byte[] plain = tar("f", "compressed layer\n");
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (var out = new java.util.zip.GZIPOutputStream(gz)) {
            out.write(plain);
        }
        ByteArrayOutputStream zst = new ByteArrayOutputStream();
        try (var out = new com.github.luben.zstd.ZstdOutputStream(zst)) {
            out.write(plain);
        }
        ImageStore store = store();
        StoredImage fromGz = store.importOciLayout(handMadeLayout(work.resolve("gz"), gz.toByteArray(), Digests.sha256(plain)),
                ImageReference.parse("localhost/gz:1"), ProgressListener.NONE);
        StoredImage fromZst = ImageStore.open(work.resolve("store-zst"), StoreConfig.defaults()).importOciLayout(
                handMadeLayout(work.resolve("zst"), zst.toByteArray(), Digests.sha256(plain)), ImageReference.parse("localhost/zst:1"), ProgressListener.NONE);
        assertThat(fromGz.layerDigests()).containsExactly(Digests.sha256(plain));
        assertThat(fromGz.layers().get(0).resolve("f")).hasContent("compressed layer");
        assertThat(fromZst.layers().get(0).resolve("f")).hasContent("compressed layer");
    }

    @Test
    void aLayerListedTwiceIsStackedOnceAtItsTopmostPlace() throws Exception {
        StoredImage img = store().importOciLayout(TestImages.single(work.resolve("one"), "x"), ProgressListener.NONE).get(0);
        Path a = img.layers().get(0);
        Path b = work.resolve("b");
        StoredImage twice = new StoredImage(img.reference(), img.manifestDigest(), img.configDigest(), List.of(a, b, a),
                List.of("sha256:" + "a".repeat(64), "sha256:" + "b".repeat(64), "sha256:" + "a".repeat(64)), img.env(), "/",
                List.of(), List.of(), "test", img.created());
        assertThat(twice.stackedLayers()).containsExactly(b, a);
        assertThat(twice.toSandboxImage().layers()).containsExactly(b, a);
        assertThat(twice.fstabLine(Path.of("/m"))).contains("lowerdir=" + a + ":" + b + " ");
    }

    static byte[] tar(String name, String content) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (TarArchiveOutputStream out = new TarArchiveOutputStream(b)) {
            byte[] data = content.getBytes(StandardCharsets.UTF_8);
            TarArchiveEntry e = new TarArchiveEntry("x");
            e.setName(name);
            e.setSize(data.length);
            out.putArchiveEntry(e);
            out.write(data);
            out.closeArchiveEntry();
        }
        return b.toByteArray();
    }

    static Path handMadeLayout(Path dir, byte[] layer) throws IOException {
        return handMadeLayout(dir, layer, Digests.sha256(layer));
    }

    /** An OCI layout written by hand, for layers no honest tool would write. */
    static Path handMadeLayout(Path dir, byte[] layer, String claimedDiffId) throws IOException {
        return HostileImages.layout(dir, List.of(layer), List.of(claimedDiffId));
    }
}
