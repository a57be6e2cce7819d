package dev.ato.server.internal;

import dev.ato.languages.Language;
import dev.ato.languages.LanguageCatalog;
import dev.ato.languages.LanguageReadiness;
import dev.ato.sandbox.Image;
import dev.ato.server.ImageResolver;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Which languages of the catalog can run on this host, and why not: the image must resolve, and the catalog's
 * own readiness check ({@link LanguageReadiness}) must pass in it.
 */
public final class LanguageStatus {
    /** Whether a language can run here, and the reason when it cannot. */
    public record Readiness(boolean ready, String reason) { }

    private LanguageStatus() { }

    /** Readiness of every language, in catalog order. */
    public static Map<String, Readiness> check(LanguageCatalog catalog, ImageResolver images) {
        Map<String, Readiness> out = new LinkedHashMap<>();
        for (Language l : catalog.all()) out.put(l.id(), check(l, images));
        return out;
    }

    /**
     * Readiness of every language as it is now, worked out again when more than {@code maxAge} has passed since
     * the last time: an image pulled or removed while the server runs shows within {@code maxAge} (the host
     * image's checks are a few {@code stat} calls per language; stored images are the resolver's, cached briefly).
     */
    public static Supplier<Map<String, Readiness>> live(LanguageCatalog catalog, ImageResolver images, Duration maxAge) {
        long maxAgeNanos = maxAge.toNanos();
        return new Supplier<>() {
            private Map<String, Readiness> last;
            private long at;

            @Override
            public synchronized Map<String, Readiness> get() {
                long now = System.nanoTime();
                if (last == null || now - at > maxAgeNanos) {
                    last = Collections.unmodifiableMap(check(catalog, images));
                    at = now;
                }
                return last;
            }
        };
    }

    /** Readiness of one language. */
    public static Readiness check(Language lang, ImageResolver images) {
        Optional<Image> image = images.resolve(lang.image());
        if (image.isEmpty()) return new Readiness(false, "image '" + lang.image() + "' is not in the image store");
        List<Path> roots;
        if (image.get().hostImage()) {
            roots = List.of(Path.of("/"));
        } else {
            // The image lists its layers lowest first; the check wants the topmost first, as overlayfs sees them.
            roots = new ArrayList<>(image.get().layers());
            Collections.reverse(roots);
        }
        LanguageReadiness.Readiness r = LanguageReadiness.check(lang, roots);
        return new Readiness(r.ready(), r.reason());
    }
}
