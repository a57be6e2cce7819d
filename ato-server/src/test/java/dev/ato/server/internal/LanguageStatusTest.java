package dev.ato.server.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ato.languages.Language;
import dev.ato.languages.LanguageCatalog;
import dev.ato.sandbox.Image;
import dev.ato.server.ImageResolver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Readiness follows the image store: an image pulled or removed while the server runs changes {@code ready}. */
class LanguageStatusTest {
    @TempDir
    Path dir;

    @Test
    void liveReadinessChangesWhenTheImageComesAndGoesWithoutARestart() throws Exception {
        Path layer = Files.createDirectories(dir.resolve("layer/usr/local/bin"));
        Path jelly = Files.writeString(layer.resolve("jelly"), "#!/bin/sh\n");
        Files.setPosixFilePermissions(jelly, PosixFilePermissions.fromString("rwxr-xr-x"));
        LanguageCatalog catalog = LanguageCatalog.builtIn();
        Language lang = catalog.find("jelly").orElseThrow();
        assertThat(lang.onHostImage()).isFalse();
        AtomicBoolean pulled = new AtomicBoolean();
        Image image = Image.ofLayers(java.util.List.of(dir.resolve("layer")), Map.of(), "/");
        // The store answers for jelly's image only once it is "pulled"; the host image as usual.
        ImageResolver images = name -> name.equals("host") ? Optional.of(Image.host())
                : name.equals(lang.image()) && pulled.get() ? Optional.of(image) : Optional.empty();
        Supplier<Map<String, LanguageStatus.Readiness>> live = LanguageStatus.live(catalog, images, Duration.ZERO);

        assertThat(live.get().get("jelly").ready()).isFalse();
        assertThat(live.get().get("jelly").reason()).contains(lang.image());
        assertThat(live.get().get("bash").ready()).isTrue();
        pulled.set(true);
        assertThat(live.get().get("jelly").ready()).isTrue();
        pulled.set(false);
        assertThat(live.get().get("jelly").ready()).isFalse();
    }

    @Test
    void withinItsMaxAgeTheLastAnswerIsReused() {
        LanguageCatalog catalog = LanguageCatalog.builtIn();
        int[] lookups = {0};
        ImageResolver images = name -> {
            lookups[0]++;
            return name.equals("host") ? Optional.of(Image.host()) : Optional.empty();
        };
        Supplier<Map<String, LanguageStatus.Readiness>> live = LanguageStatus.live(catalog, images, Duration.ofHours(1));
        Map<String, LanguageStatus.Readiness> first = live.get();
        int after = lookups[0];
        assertThat(live.get()).isSameAs(first);
        assertThat(lookups[0]).isEqualTo(after);
    }
}
