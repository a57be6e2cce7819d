package dev.ato.server.cli;

import dev.ato.languages.Language;
import dev.ato.languages.LanguageCatalog;
import dev.ato.server.ImageResolver;
import dev.ato.server.ServerConfig;
import java.util.Optional;
import dev.ato.server.internal.LanguageStatus;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code ./ato languages}: the catalog, and which languages can run on this host. */
@Command(name = "languages", mixinStandardHelpOptions = true,
        description = "List the language catalog: id, name, image, and whether it is ready on this host (and why not).")
public final class LanguagesCommand implements Callable<Integer> {
    @picocli.CommandLine.Option(names = "--config", paramLabel = "FILE", description = "YAML configuration (the image dir), as for serve")
    java.nio.file.Path config;

    @Override
    public Integer call() {
        LanguageCatalog catalog = LanguageCatalog.builtIn();
        ImageResolver images = ImageResolver.hostAndStore(ServerConfig.load(Optional.ofNullable(config)).imageDir());
        int ready = 0;
        System.out.printf("%-20s %-28s %-14s %s%n", "ID", "NAME", "IMAGE", "READY");
        for (Language l : catalog.all()) {
            LanguageStatus.Readiness r = LanguageStatus.check(l, images);
            if (r.ready()) ready++;
            System.out.printf("%-20s %-28s %-14s %s%n", l.id(), l.name(), l.image(),
                    r.ready() ? "ready" : "not ready: " + r.reason());
        }
        System.out.println(ready + " of " + catalog.ids().size() + " languages ready");
        return 0;
    }
}
