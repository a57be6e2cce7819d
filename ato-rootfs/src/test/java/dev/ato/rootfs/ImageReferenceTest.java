package dev.ato.rootfs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ImageReferenceTest {
    private static final String D = "sha256:" + "ab".repeat(32);

    @ParameterizedTest
    @CsvSource({
            "python:3.12-slim, docker.io, library/python, 3.12-slim, ''",
            "alpine, docker.io, library/alpine, latest, ''",
            "docker.io/library/alpine:3.20, docker.io, library/alpine, 3.20, ''",
            "index.docker.io/team/app, docker.io, team/app, latest, ''",
            "team/app:v1, docker.io, team/app, v1, ''",
            "localhost/ato/debian-python:bookworm, localhost, ato/debian-python, bookworm, ''",
            "host:5000/team/img:1.0, host:5000, team/img, 1.0, ''",
            "ghcr.io/a/b/c:x, ghcr.io, a/b/c, x, ''",
            "127.0.0.1:5000/x@" + "sha256:abababababababababababababababababababababababababababababababab" + ", 127.0.0.1:5000, x, '', sha256:abababababababababababababababababababababababababababababababab",
    })
    void parsesLikeDockerPull(String text, String registry, String repo, String tag, String digest) {
        ImageReference r = ImageReference.parse(text);
        assertThat(r.registry()).isEqualTo(registry);
        assertThat(r.repository()).isEqualTo(repo);
        assertThat(r.tag()).isEqualTo(tag);
        assertThat(r.digest()).isEqualTo(digest);
        assertThat(ImageReference.parse(r.canonical())).isEqualTo(r);
    }

    @Test
    void tagAndDigestTogetherKeepBoth() {
        ImageReference r = ImageReference.parse("host:5000/team/img:1.0@" + D);
        assertThat(r.manifestReference()).isEqualTo(D);
        assertThat(r.canonical()).isEqualTo("host:5000/team/img:1.0@" + D);
    }

    @Test
    void familiarFormDropsDockerHubDefaults() {
        assertThat(ImageReference.parse("python:3").familiar()).isEqualTo("python:3");
        assertThat(ImageReference.parse("team/app").familiar()).isEqualTo("team/app:latest");
        assertThat(ImageReference.parse("python").apiHost()).isEqualTo("registry-1.docker.io");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " python", "Python", "python:", "a//b", "-a", "a:b:c", "python@sha256:123", "python@md5:abab",
            "../etc", "host:5000/", "a b"})
    void refusesMalformedReferences(String text) {
        assertRefused(text);
    }

    @Test
    void storeConfigFollowsTheSandboxIdMapping() {
        StoreConfig c = StoreConfig.defaults().forSandbox(dev.ato.sandbox.SandboxConfig.defaults());
        assertThat(c.uidBase()).isEqualTo(100000);
        assertThat(c.gidBase()).isEqualTo(100000);
        assertThat(c.idCount()).isEqualTo(65536);
    }

    @Test
    void refusesOverlongTags() {
        assertRefused("a:x" + "y".repeat(128));
    }

    private static void assertRefused(String text) {
        assertThatThrownBy(() -> ImageReference.parse(text)).isInstanceOf(ImageException.class)
                .satisfies(e -> assertThat(((ImageException) e).kind()).isEqualTo(ImageException.Kind.INVALID_INPUT));
    }
}
