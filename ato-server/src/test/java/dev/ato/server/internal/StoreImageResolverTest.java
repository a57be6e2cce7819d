package dev.ato.server.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ato.rootfs.languages.Language;
import dev.ato.rootfs.languages.LanguageCatalog;
import dev.ato.sandbox.Image;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoreImageResolverTest {
    @TempDir
    Path dir;

    @Test
    void hostIsTheHostImageAndAMissingStoreIsNeitherCreatedNorFound() {
        Path store = dir.resolve("images");
        StoreImageResolver r = new StoreImageResolver(store);
        assertThat(r.resolve("host")).contains(Image.host());
        assertThat(r.resolve("docker.io/library/python:3.12-slim")).isEmpty();
        assertThat(Files.exists(store)).isFalse();
    }

    @Test
    void languageWhoseImageIsNotStoredIsNotReadyAndSaysWhy() {
        Language bash = LanguageCatalog.builtIn().find("bash").orElseThrow();
        Language elsewhere = new Language(bash.id(), bash.name(), "registry.example/nothing:1", bash.version(), bash.url(),
                bash.sbcs(), bash.seClass(), bash.helloWorld(), bash.requires(), bash.packages(), bash.hostPaths(), bash.runner());
        LanguageStatus.Readiness r = LanguageStatus.check(elsewhere, new StoreImageResolver(dir.resolve("images")));
        assertThat(r.ready()).isFalse();
        assertThat(r.reason()).contains("registry.example/nothing:1");
        assertThat(LanguageStatus.check(bash, new StoreImageResolver(dir)).ready()).isTrue();
    }
}
