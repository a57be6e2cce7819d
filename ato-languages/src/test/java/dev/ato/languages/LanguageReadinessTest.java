package dev.ato.languages;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ato.languages.LanguageReadiness.Readiness;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LanguageReadinessTest {
    @TempDir
    Path root;

    @TempDir
    Path lower;

    private static Language lang(List<String> requires, List<String> packages, List<String> hostPaths) {
        return new Language("toy", "Toy", "host", "1", "https://example.org", false, false, "",
                new Language.HelloWorld("", "", ""), requires, packages, hostPaths, "#!/ATO/bash\n".getBytes());
    }

    private static Language lang(String... requires) {
        return lang(List.of(requires), List.of("toy-lang"), List.of());
    }

    private static Path exe(Path root, String rel) throws IOException {
        Path p = root.resolve(rel);
        Files.createDirectories(p.getParent());
        Files.writeString(p, "#!/bin/sh\n");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        return p;
    }

    private static void link(Path root, String rel, String target) throws IOException {
        Path p = root.resolve(rel);
        Files.createDirectories(p.getParent());
        Files.createSymbolicLink(p, Path.of(target));
    }

    @Test
    void commandOnPathInsideTheImageIsReady() throws IOException {
        exe(root, "usr/bin/toyc");
        assertThat(LanguageReadiness.check(lang("toyc"), List.of(root))).isEqualTo(Readiness.yes());
    }

    @Test
    void missingCommandNamesItThePathAndTheDebianPackage() {
        Readiness r = LanguageReadiness.check(lang("toyc"), List.of(root));
        assertThat(r.ready()).isFalse();
        assertThat(r.reason())
                .contains("toy:")
                .contains("'toyc' not found on PATH /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
                .contains("install the Debian package toy-lang");
    }

    @Test
    void onlyTheMissingRequirementIsNamed() throws IOException {
        exe(root, "bin/toyc");
        Readiness r = LanguageReadiness.check(lang("toyc", "toyrun"), List.of(root));
        assertThat(r.ready()).isFalse();
        assertThat(r.reason()).contains("'toyrun' not found").doesNotContain("'toyc'");
    }

    @Test
    void imagePathDirectoriesReplaceTheDefaultPath() throws IOException {
        exe(root, "opt/toy/bin/toyc");
        assertThat(LanguageReadiness.check(lang("toyc"), List.of(root)).ready()).isFalse();
        Readiness r = LanguageReadiness.check(lang("toyc"), List.of(root), List.of("relative/ignored", "/opt/toy/bin"));
        assertThat(r).isEqualTo(Readiness.yes());
        assertThat(LanguageReadiness.check(lang("toyd"), List.of(root), List.of("/opt/toy/bin")).reason())
                .contains("'toyd' not found on PATH /opt/toy/bin");
    }

    @Test
    void fileWithoutExecuteBitIsNotReady() throws IOException {
        Path p = exe(root, "usr/bin/toyc");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-r--r--"));
        Readiness r = LanguageReadiness.check(lang("toyc"), List.of(root));
        assertThat(r.ready()).isFalse();
        assertThat(r.reason()).contains("'toyc' is not executable");
    }

    @Test
    void directoryIsNotAnExecutable() throws IOException {
        Files.createDirectories(root.resolve("usr/bin/toyc"));
        assertThat(LanguageReadiness.check(lang("toyc"), List.of(root)).ready()).isFalse();
    }

    @Test
    void absoluteRequirementIsLookedUpInsideTheImage() throws IOException {
        exe(root, "opt/toy/bin/toyc");
        assertThat(LanguageReadiness.check(lang("/opt/toy/bin/toyc"), List.of(root)).ready()).isTrue();
        Readiness r = LanguageReadiness.check(lang("/opt/toy/bin/other"), List.of(root));
        assertThat(r.reason()).contains("/opt/toy/bin/other not found");
    }

    @Test
    void absoluteSymlinkResolvesInsideTheImageNotOnTheHost() throws IOException {
        // /bin/sh exists on the host; an image whose link points there but lacks it must not look ready.
        link(root, "usr/bin/toyc", "/bin/sh");
        assertThat(LanguageReadiness.check(lang("toyc"), List.of(root)).ready()).isFalse();
        exe(root, "bin/sh");
        assertThat(LanguageReadiness.check(lang("toyc"), List.of(root)).ready()).isTrue();
    }

    @Test
    void dotDotInALinkCannotClimbAboveTheImageRoot() throws IOException {
        String up = "../".repeat(30);
        link(root, "usr/bin/toyc", up + "bin/sh");
        assertThat(LanguageReadiness.check(lang("toyc"), List.of(root)).ready()).isFalse();
        exe(root, "bin/sh");
        assertThat(LanguageReadiness.check(lang("toyc"), List.of(root)).ready()).isTrue();
    }

    @Test
    void symlinkLoopIsNotReadyAndDoesNotHang() throws IOException {
        link(root, "usr/bin/toyc", "/usr/bin/toyd");
        link(root, "usr/bin/toyd", "toyc");
        assertThat(LanguageReadiness.check(lang("toyc"), List.of(root)).ready()).isFalse();
    }

    @Test
    void linkInUpperLayerMayPointIntoLowerLayer() throws IOException {
        link(root, "usr/bin/toyc", "/usr/lib/toy/toyc");
        exe(lower, "usr/lib/toy/toyc");
        assertThat(LanguageReadiness.check(lang("toyc"), List.of(root, lower)).ready()).isTrue();
        assertThat(LanguageReadiness.check(lang("toyc"), List.of(root)).ready()).isFalse();
    }

    @Test
    void linkInALowerLayerHiddenByAnUpperDirectoryIsNeverFollowed() throws IOException {
        // Upper has a real usr/ directory; the lower layer's usr is a link to the host's /usr. Overlayfs shows
        // the upper directory merged with nothing, so /usr/bin/sh does not exist in this image.
        Files.createDirectories(root.resolve("usr"));
        Files.createSymbolicLink(lower.resolve("usr"), Path.of("/usr"));
        assertThat(LanguageReadiness.check(lang("/usr/bin/sh"), List.of(root, lower)).ready()).isFalse();
        exe(root, "usr/bin/sh");
        assertThat(LanguageReadiness.check(lang("/usr/bin/sh"), List.of(root, lower)).ready()).isTrue();
    }

    @Test
    void directoriesOfTheSameNameMergeAcrossLayers() throws IOException {
        Files.createDirectories(root.resolve("usr/bin"));
        exe(lower, "usr/bin/toyc");
        assertThat(LanguageReadiness.check(lang("toyc"), List.of(root, lower)).ready()).isTrue();
    }

    @Test
    void relativeLinkWithDotDotResolvesAgainstTheLinksDirectory() throws IOException {
        exe(root, "usr/lib/toy/bin/toyc");
        link(root, "usr/bin/toyc", "../lib/toy/./bin/toyc");
        assertThat(LanguageReadiness.check(lang("toyc"), List.of(root)).ready()).isTrue();
    }

    @Test
    void missingImageRootIsNotReadyAndSaysSo() {
        Readiness r = LanguageReadiness.check(lang("toyc"), List.of(root.resolve("absent")));
        assertThat(r.ready()).isFalse();
        assertThat(r.reason()).contains("is not a directory");
    }

    @Test
    void missingHostPathIsNamed() throws IOException {
        exe(root, "usr/bin/toyc");
        Language l = lang(List.of("toyc"), List.of("toy-lang"), List.of("/var/lib/toy"));
        Readiness r = LanguageReadiness.check(l, List.of(root));
        assertThat(r.ready()).isFalse();
        assertThat(r.reason()).contains("host path /var/lib/toy not found");
        Files.createDirectories(root.resolve("var/lib/toy"));
        assertThat(LanguageReadiness.check(l, List.of(root)).ready()).isTrue();
    }

    @Test
    void bashIsReadyOnThisHost() {
        Language bash = LanguageCatalog.builtIn().find("bash").orElseThrow();
        assertThat(LanguageReadiness.check(bash, List.of(Path.of("/")))).isEqualTo(Readiness.yes());
    }
}
