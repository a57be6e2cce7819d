package dev.ato.server.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ato.languages.Language;
import dev.ato.languages.LanguageCatalog;
import dev.ato.rootfs.ImageReference;
import dev.ato.rootfs.ImageStore;
import dev.ato.rootfs.ProgressListener;
import dev.ato.rootfs.StoreConfig;
import dev.ato.sandbox.Image;
import dev.ato.sandbox.SandboxConfig;
import dev.ato.server.images.TestLayouts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoreImageResolverTest {
    private static final String REF = "example.org/team/greeting:v1";

    @TempDir
    Path dir;

    @Test
    void hostIsTheHostImageAndAMissingStoreIsNeitherCreatedNorFound() {
        Path store = dir.resolve("images");
        StoreImageResolver r = new StoreImageResolver(store, SandboxConfig.defaults());
        assertThat(r.resolve("host")).contains(Image.host());
        assertThat(r.resolve("docker.io/library/python:3.12-slim")).isEmpty();
        assertThat(Files.exists(store)).isFalse();
    }

    @Test
    void languageWhoseImageIsNotStoredIsNotReadyAndSaysWhy() {
        Language bash = LanguageCatalog.builtIn().find("bash").orElseThrow();
        Language elsewhere = new Language(bash.id(), bash.name(), "registry.example/nothing:1", bash.version(), bash.url(),
                bash.sbcs(), bash.atoId(), bash.seClass(), bash.helloWorld(), bash.requires(), bash.packages(), bash.hostPaths(), bash.runner());
        LanguageStatus.Readiness r = LanguageStatus.check(elsewhere, new StoreImageResolver(dir.resolve("images"), SandboxConfig.defaults()));
        assertThat(r.ready()).isFalse();
        assertThat(r.reason()).contains("registry.example/nothing:1");
        assertThat(LanguageStatus.check(bash, new StoreImageResolver(dir, SandboxConfig.defaults())).ready()).isTrue();
    }

    @Test
    void storeIsOpenedWithTheSandboxesIdMapping() {
        SandboxConfig shifted = SandboxConfig.builder().stateDir(dir).cgroupName("ato-x").idBase(300000, 310000)
                .uidCount(4096)
            .clientLimits(8L << 30, 512).build();
        StoreConfig c = new StoreImageResolver(dir.resolve("images"), shifted).storeConfig();
        assertThat(List.of(c.uidBase(), c.gidBase(), c.idCount())).containsExactly(300000, 310000, 4096);
    }

    @Test
    @Tag("kernel")
    void imageRemovedAndCollectedStopsResolvingAtOnce() throws Exception {
        ImageStore store = storeWithOneImage();
        StoreImageResolver r = new StoreImageResolver(store.root(), SandboxConfig.defaults(), Duration.ofHours(1), System::nanoTime);
        Image image = r.resolve(REF).orElseThrow();
        assertThat(image.layers()).hasSize(1).allMatch(Files::isDirectory);
        assertThat(r.resolve(REF)).contains(image);

        assertThat(store.remove(REF)).isTrue();
        assertThat(store.gc().removedLayers()).hasSize(1);
        // The cached entry is far inside its TTL: only the layer check can notice.
        assertThat(r.resolve(REF)).isEmpty();
    }

    @Test
    @Tag("kernel")
    void imageRemovedWithoutGcStopsResolvingWhenTheTtlRunsOut() throws Exception {
        ImageStore store = storeWithOneImage();
        AtomicLong now = new AtomicLong(0);
        StoreImageResolver r = new StoreImageResolver(store.root(), SandboxConfig.defaults(), Duration.ofSeconds(1), now::get);
        assertThat(r.resolve(REF)).isPresent();
        assertThat(store.remove(REF)).isTrue();
        now.addAndGet(TimeUnit.MILLISECONDS.toNanos(500));
        assertThat(r.resolve(REF)).as("still inside the TTL, layers still there").isPresent();
        now.addAndGet(TimeUnit.MILLISECONDS.toNanos(600));
        assertThat(r.resolve(REF)).isEmpty();
    }

    @Test
    @Tag("kernel")
    void imageStoredAfterAMissIsFoundNextTime() throws Exception {
        Path root = dir.resolve("images");
        StoreImageResolver r = new StoreImageResolver(root, SandboxConfig.defaults());
        assertThat(r.resolve(REF)).isEmpty();
        storeWithOneImage();
        assertThat(r.resolve(REF)).isPresent();
    }

    /** A store at {@code dir/images} holding {@link #REF}: one layer with one file, built by umoci. */
    private ImageStore storeWithOneImage() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "the image store needs root");
        Path layout = TestLayouts.greeting(dir);
        ImageStore store = ImageStore.open(dir.resolve("images"), StoreConfig.defaults());
        store.importOciLayout(layout, ImageReference.parse(REF), ProgressListener.NONE);
        return store;
    }
}
