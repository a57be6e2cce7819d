package dev.ato.cli;

import dev.ato.languages.Language;
import dev.ato.languages.LanguageCatalog;
import dev.ato.sandbox.CompletedRun;
import dev.ato.sandbox.Image;
import dev.ato.sandbox.RunSpec;
import dev.ato.sandbox.Sandbox;
import dev.ato.sandbox.StatusType;
import dev.ato.server.ImageResolver;
import dev.ato.server.ServerConfig;
import dev.ato.server.internal.LanguageStatus;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ./ato languages}: the catalog, which languages can run on this host, and (--check) whether they do. */
@Command(name = "languages", mixinStandardHelpOptions = true,
        description = "List the language catalog: id, name, image, and whether it is ready on this host (and why not). "
                + "With --check, run every ready language's hello world here and print pass/fail per language.")
public final class LanguagesCommand implements Callable<Integer> {
    @Option(names = "--config", paramLabel = "FILE", description = "YAML configuration (the image dir), as for serve")
    java.nio.file.Path config;

    @Option(names = "--check", description = "run each ready language's hello world in the sandbox; exit 1 when one fails")
    boolean check;

    @Option(names = "--ato", description = "only the languages whose id is one of ATO's")
    boolean atoOnly;

    @Override
    public Integer call() {
        LanguageCatalog catalog = LanguageCatalog.builtIn();
        ServerConfig cfg = ServerConfig.load(Optional.ofNullable(config));
        ImageResolver images = ImageResolver.hostAndStore(cfg.imageDir(), cfg.sandboxConfig());
        List<Language> languages = catalog.all().stream().filter(l -> !atoOnly || l.atoId()).toList();
        return check ? check(languages, images, cfg) : list(languages, images);
    }

    private static int list(List<Language> languages, ImageResolver images) {
        int ready = 0;
        System.out.printf("%-26s %-28s %-14s %s%n", "ID", "NAME", "IMAGE", "READY");
        for (Language l : languages) {
            LanguageStatus.Readiness r = LanguageStatus.check(l, images);
            if (r.ready()) ready++;
            System.out.printf("%-26s %-28s %-14s %s%n", l.id(), l.name(), l.image(),
                    r.ready() ? "ready" : "not ready: " + r.reason());
        }
        System.out.println(ready + " of " + languages.size() + " languages ready");
        return 0;
    }

    /** Runs the hello worlds one after another (each may use the whole of the default limits). */
    private static int check(List<Language> languages, ImageResolver images, ServerConfig cfg) {
        int passed = 0;
        int failed = 0;
        int notReady = 0;
        try (Sandbox sandbox = Sandbox.create(cfg.sandboxConfig())) {
            for (Language l : languages) {
                LanguageStatus.Readiness r = LanguageStatus.check(l, images);
                Optional<Image> image = images.resolve(l);
                if (!r.ready() || image.isEmpty()) {
                    notReady++;
                    System.out.printf("%-26s not ready (%s)%n", l.id(), r.reason());
                    continue;
                }
                Language.HelloWorld hw = l.helloWorld();
                long t0 = System.nanoTime();
                CompletedRun run = sandbox.run(RunSpec.builder().image(image.get()).runnerScript(l.runner())
                        .code(hw.code()).input(hw.input()).options(bytes(hw.options())).arguments(bytes(hw.arguments()))
                        .limits(cfg.limits()).timeout(Duration.ofSeconds(60)).build());
                long ms = (System.nanoTime() - t0) / 1_000_000;
                String why = verdict(run, hw.output(), !l.atoId());
                if (why.isEmpty()) {
                    passed++;
                    System.out.printf("%-26s pass %6d ms%n", l.id(), ms);
                } else {
                    failed++;
                    System.out.printf("%-26s FAIL %6d ms  %s%n", l.id(), ms, why);
                }
            }
        }
        System.out.printf("%d passed, %d failed, %d not ready, of %d languages%n", passed, failed, notReady, languages.size());
        return failed == 0 ? 0 : 1;
    }

    /**
     * Empty when the run printed exactly {@code expected} (and exited 0, when {@code mustExit0}: ATO's own test
     * judges its hello worlds by their output alone); otherwise what went wrong, on one line.
     */
    static String verdict(CompletedRun run, String expected, boolean mustExit0) {
        String out = run.stdoutText();
        if (run.result().timedOut()) return "timed out";
        if (mustExit0 && (run.result().statusType() != StatusType.EXITED || run.result().statusValue() != 0)) {
            return run.result().statusType().name().toLowerCase(java.util.Locale.ROOT) + " " + run.result().statusValue()
                    + "; stderr: " + oneLine(run.stderrText());
        }
        if (!out.equals(expected)) return "printed " + oneLine(quote(out)) + ", expected " + quote(expected);
        return "";
    }

    private static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t") + "\"";
    }

    private static String oneLine(String s) {
        String t = s.replace('\n', ' ').strip();
        return t.length() > 200 ? t.substring(0, 200) + "..." : t;
    }

    private static List<byte[]> bytes(List<String> strings) {
        return strings.stream().map(s -> s.getBytes(StandardCharsets.UTF_8)).toList();
    }
}
