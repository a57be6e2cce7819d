package dev.ato.languages;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LanguageCatalogTest {
    @TempDir
    Path dir;

    private static final String ENTRY = """
            {"name": "%s", "image": "host", "version": "1", "url": "https://example.org", "sbcs": false,
             "requires": ["sh"], "hello_world": {"code": "echo hi", "output": "hi\\n"}}""";

    private void write(String json, String... runners) throws IOException {
        Files.writeString(dir.resolve("languages.json"), json);
        Files.createDirectories(dir.resolve("runners"));
        for (String r : runners) Files.writeString(dir.resolve("runners").resolve(r), "#!/ATO/bash\n");
    }

    @Test
    void builtInCatalogHasAtLeastFiftyLanguagesEachWithItsRunner() {
        LanguageCatalog c = LanguageCatalog.builtIn();
        assertThat(c.ids()).hasSizeGreaterThanOrEqualTo(50)
                .contains("bash", "python", "c_gcc", "cplusplus_gcc", "java", "haskell", "rust", "go");
        for (Language l : c.all()) {
            String runner = new String(l.runner(), StandardCharsets.UTF_8);
            assertThat(runner).as(l.id()).startsWith("#!/ATO/bash\n");
            assertThat(l.requires()).as(l.id() + " requires").isNotEmpty();
            assertThat(l.helloWorld().output()).as(l.id()).isNotEmpty();
        }
    }

    @Test
    void everyBuiltInRunnerPassesOptionsArgumentsAndInputThroughYargs() {
        for (Language l : LanguageCatalog.builtIn().all()) {
            String runner = new String(l.runner(), StandardCharsets.UTF_8);
            assertThat(runner).as(l.id())
                    .contains("/ATO/yargs %1 /ATO/options")
                    .contains("/ATO/arguments")
                    .contains("< /ATO/input")
                    .contains("cd /ATO/context");
        }
    }

    @Test
    void everyBuiltInRunnerIsValidBashSyntax() throws Exception {
        Path bash = Path.of("/bin/bash");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(bash), "no /bin/bash to check syntax with");
        for (Language l : LanguageCatalog.builtIn().all()) {
            Path f = dir.resolve(l.id());
            Files.write(f, l.runner());
            Process p = new ProcessBuilder(bash.toString(), "-n", f.toString()).redirectErrorStream(true).start();
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.exitValue()).as(l.id() + ": " + out).isZero();
        }
    }

    @Test
    void everyHostLanguagePackageIsInTheSetupList() throws IOException {
        // Maven runs the tests in the module directory; the list is the reactor's setup/packages/languages.txt.
        Path list = Path.of("..", "setup", "packages", "languages.txt");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isRegularFile(list), "not run from the source tree");
        Set<String> listed = new TreeSet<>();
        for (String line : Files.readAllLines(list)) {
            String pkg = line.replaceAll("#.*", "").trim();
            if (!pkg.isEmpty()) listed.add(pkg.split("\\s+")[0]);
        }
        List<String> missing = new ArrayList<>();
        for (Language l : LanguageCatalog.builtIn().all()) {
            if (!l.onHostImage()) continue;
            assertThat(l.packages()).as(l.id() + " packages").isNotEmpty();
            for (String p : l.packages()) {
                if (!listed.contains(p)) missing.add(l.id() + ":" + p);
            }
        }
        assertThat(missing).as("packages of catalog languages missing from " + list).isEmpty();
    }

    @Test
    void entryWithoutRunnerIsAnErrorNamingIt() throws IOException {
        write("{\"alpha\": " + ENTRY.formatted("Alpha") + ", \"beta\": " + ENTRY.formatted("Beta") + "}", "alpha");
        assertThatThrownBy(() -> LanguageCatalog.load(dir))
                .isInstanceOf(CatalogException.class)
                .hasMessageContaining("'beta' has no runner");
    }

    @Test
    void runnerWithoutEntryIsAnErrorNamingIt() throws IOException {
        write("{\"alpha\": " + ENTRY.formatted("Alpha") + "}", "alpha", "stray");
        assertThatThrownBy(() -> LanguageCatalog.load(dir))
                .isInstanceOf(CatalogException.class)
                .hasMessageContaining("runner 'stray' has no catalog entry");
    }

    @Test
    void missingFieldNamesTheLanguageAndTheField() throws IOException {
        write("{\"alpha\": {\"name\": \"Alpha\", \"image\": \"host\", \"url\": \"u\","
                + " \"hello_world\": {\"code\": \"c\", \"output\": \"o\"}}}", "alpha");
        assertThatThrownBy(() -> LanguageCatalog.load(dir))
                .isInstanceOf(CatalogException.class)
                .hasMessageContaining("language 'alpha'")
                .hasMessageContaining("'version'");
    }

    @Test
    void idOutsideAtoAlphabetIsRefused() throws IOException {
        write("{\"Bad-Id\": " + ENTRY.formatted("Bad") + "}", "Bad-Id");
        assertThatThrownBy(() -> LanguageCatalog.load(dir)).hasMessageContaining("'Bad-Id' is not [A-Za-z0-9_]+");
    }

    @Test
    void relativeRequiresPathIsRefused() throws IOException {
        write("{\"alpha\": " + ENTRY.formatted("Alpha").replace("[\"sh\"]", "[\"bin/sh\"]") + "}", "alpha");
        assertThatThrownBy(() -> LanguageCatalog.load(dir))
                .hasMessageContaining("language 'alpha'")
                .hasMessageContaining("'bin/sh' is neither an absolute path nor a command name");
    }

    @Test
    void hostPathWithDotDotIsRefused() throws IOException {
        write("{\"alpha\": " + ENTRY.formatted("Alpha").replace("\"requires\"", "\"host_paths\": [\"/var/../etc\"], \"requires\"")
                + "}", "alpha");
        assertThatThrownBy(() -> LanguageCatalog.load(dir)).hasMessageContaining("host_paths entry '/var/../etc'");
    }

    @Test
    void oversizedRunnerIsRefusedNamingIt() throws IOException {
        write("{\"alpha\": " + ENTRY.formatted("Alpha") + "}");
        Files.write(dir.resolve("runners").resolve("alpha"), new byte[(int) LanguageCatalog.MAX_RUNNER_BYTES + 1]);
        assertThatThrownBy(() -> LanguageCatalog.load(dir))
                .isInstanceOf(CatalogException.class)
                .hasMessageContaining("language 'alpha'")
                .hasMessageContaining("is larger than");
    }

    @Test
    void optionalFieldsDefaultSensibly() throws IOException {
        write("{\"alpha\": " + ENTRY.formatted("Alpha") + "}", "alpha");
        Language a = LanguageCatalog.load(dir).find("alpha").orElseThrow();
        assertThat(a.seClass()).isEmpty();
        assertThat(a.packages()).isEmpty();
        assertThat(a.hostPaths()).isEmpty();
        assertThat(a.helloWorld().input()).isEmpty();
        assertThat(a.onHostImage()).isTrue();
        assertThat(new String(a.runner(), StandardCharsets.UTF_8)).isEqualTo("#!/ATO/bash\n");
    }

    @Test
    void anIncludeLineStandsForTheLibFileAndTheLibDirectoryIsNoRunner() throws IOException {
        write("{\"alpha\": " + ENTRY.formatted("Alpha").replace("\"sbcs\": false,", "\"sbcs\": false, \"ato\": true,")
                .replace("\"code\": \"echo hi\"", "\"code\": \"x\", \"options\": [\"-n\"], \"arguments\": [\"a b\"]") + "}");
        Files.createDirectories(dir.resolve("runners/lib"));
        Files.writeString(dir.resolve("runners/lib/shared.py"), "print('shared')\n");
        Files.writeString(dir.resolve("runners/alpha"), "#!/ATO/bash\npython3 /dev/fd/3 3<<'X'\n#ato:include shared.py\nX\n");
        Language a = LanguageCatalog.load(dir).find("alpha").orElseThrow();
        assertThat(new String(a.runner(), StandardCharsets.UTF_8))
                .isEqualTo("#!/ATO/bash\npython3 /dev/fd/3 3<<'X'\nprint('shared')\nX\n");
        assertThat(a.helloWorld().options()).containsExactly("-n");
        assertThat(a.helloWorld().arguments()).containsExactly("a b");
        assertThat(a.atoId()).isTrue();
    }

    @Test
    void anIncludeOfAMissingOrOddlyNamedFileIsAnErrorNamingIt() throws IOException {
        write("{\"alpha\": " + ENTRY.formatted("Alpha") + ", \"beta\": " + ENTRY.formatted("Beta") + "}");
        Files.writeString(dir.resolve("runners/alpha"), "#!/ATO/bash\n#ato:include nothing.py\n");
        Files.writeString(dir.resolve("runners/beta"), "#!/ATO/bash\n#ato:include ../alpha\n");
        assertThatThrownBy(() -> LanguageCatalog.load(dir))
                .isInstanceOf(CatalogException.class)
                .hasMessageContaining("nothing.py, which is missing")
                .hasMessageContaining("includes '../alpha', not a plain file name");
    }
}
