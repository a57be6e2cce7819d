package dev.ato.server.internal;

import dev.ato.rootfs.languages.Language;
import dev.ato.rootfs.languages.LanguageCatalog;
import dev.ato.sandbox.Image;
import dev.ato.server.ImageResolver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Which languages of the catalog can run on this host, and why not: the image must resolve, and every
 * executable the language requires must be in it (an absolute path, or a name on the image's PATH).
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

    /** Readiness of one language. */
    public static Readiness check(Language lang, ImageResolver images) {
        Optional<Image> image = images.resolve(lang.image());
        if (image.isEmpty()) return new Readiness(false, "image '" + lang.image() + "' is not in the image store");
        List<Path> roots = image.get().hostImage() ? List.of(Path.of("/")) : image.get().layers();
        String pathVar = image.get().env().getOrDefault("PATH", Image.DEFAULT_PATH);
        List<String> missing = new ArrayList<>();
        for (String req : lang.requires()) {
            if (!present(req, roots, pathVar)) missing.add(req);
        }
        if (!missing.isEmpty()) {
            return new Readiness(false, "missing in image '" + lang.image() + "': " + String.join(", ", missing));
        }
        return new Readiness(true, "");
    }

    private static boolean present(String exe, List<Path> roots, String pathVar) {
        List<String> candidates = new ArrayList<>();
        if (exe.startsWith("/")) {
            candidates.add(exe.substring(1));
        } else {
            for (String dir : pathVar.split(":")) {
                if (dir.startsWith("/")) candidates.add(dir.substring(1) + "/" + exe);
            }
        }
        for (Path root : roots) {
            for (String c : candidates) {
                // Read-only look-ups in host or store directories; a symlink inside a layer is judged as the
                // container would see it only approximately, which is fine for a readiness hint.
                Path p = root.resolve(c);
                if (Files.isRegularFile(p) && Files.isExecutable(p)) return true;
            }
        }
        return false;
    }
}
