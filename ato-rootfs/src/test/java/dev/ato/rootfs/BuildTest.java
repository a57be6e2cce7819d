package dev.ato.rootfs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The recipe -> mmdebstrap -> store path, for real, with the smallest build mmdebstrap can do (variant
 * extract, one static package: a few seconds). It needs the Debian mirror, which this project's machines and
 * CI reach; where it is unreachable the test says so and is skipped.
 */
@Tag("kernel")
@Tag("network")
class BuildTest {
    @TempDir
    Path work;

    @Test
    void recipeBuildsAOneLayerImageWithMmdebstrap() throws Exception {
        assumeTrue(Cmd.isRoot(), "mmdebstrap's root mode and the store need root");
        assumeTrue(mirrorReachable(), "the Debian mirror deb.debian.org is not reachable from here");
        Recipe r = Recipe.parse("""
                name: busybox-test
                suite: bookworm
                variant: extract
                packages: [busybox-static]
                env: [LANG=C.UTF-8]
                """);
        List<String> log = new ArrayList<>();
        ImageStore store = ImageStore.open(work.resolve("store"), StoreConfig.defaults());
        StoredImage img = store.build(r, new ProgressListener() {
            @Override
            public void message(String line) {
                log.add(line);
            }
        });
        assertThat(img.reference().canonical()).isEqualTo("localhost/ato/busybox-test:bookworm");
        assertThat(img.source()).isEqualTo("mmdebstrap");
        assertThat(img.layers()).hasSize(1);
        Path busybox = img.layers().get(0).resolve("bin/busybox");
        assertThat(Files.isExecutable(busybox)).isTrue();
        assertThat(Files.getAttribute(busybox, "unix:uid")).isEqualTo(100000);
        assertThat(img.env()).contains("LANG=C.UTF-8").anyMatch(e -> e.startsWith("PATH="));
        try (var lists = Files.list(img.layers().get(0).resolve("var/lib/apt/lists"))) {
            // mmdebstrap's clean-up leaves only apt's lock and partial/ behind: no package indexes.
            assertThat(lists.map(p -> p.getFileName().toString())).allMatch(n -> n.equals("lock") || n.equals("partial"));
        }
        assertThat(log).anyMatch(l -> l.startsWith("running mmdebstrap --variant=extract"));
        assertThat(store.find("localhost/ato/busybox-test:bookworm")).contains(img);
        try (var s = Files.list(store.root().resolve("tmp"))) {
            assertThat(s).isEmpty();
        }
    }

    private static boolean mirrorReachable() {
        try {
            HttpResponse<Void> r = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build().send(
                    HttpRequest.newBuilder(URI.create("http://deb.debian.org/debian/dists/bookworm/Release")).method("HEAD", HttpRequest.BodyPublishers.noBody())
                            .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.discarding());
            return r.statusCode() == 200;
        } catch (Exception e) {
            return false;
        }
    }
}
