package dev.ato.server.images;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ato.cli.Cli;
import dev.ato.cli.Cli.Outcome;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./ato image ...} through the real command tree: import, ls, inspect, fstab, rm, gc and the errors. */
@Tag("kernel")
class ImageCommandTest {
    @TempDir
    Path work;

    /** {@code ./ato image --store WORK/store ARGS...}. */
    private Outcome ato(String... args) {
        List<String> all = new ArrayList<>(List.of("image", "--store", work.resolve("store").toString()));
        all.addAll(List.of(args));
        return Cli.run(all.toArray(String[]::new));
    }

    @Test
    void importListInspectRemoveAndGcAnImage() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "the image store needs root");
        Path layout = TestLayouts.greeting(work);

        Outcome imported = ato("import", layout.toString(), "--name", "example.org/team/greeting:v1");
        assertThat(imported.status()).as(imported.err()).isZero();
        assertThat(imported.out()).startsWith("example.org/team/greeting:v1 sha256:").contains("(1 layers)");

        Outcome ls = ato("ls");
        assertThat(ls.out()).contains("example.org/team/greeting:v1").contains("oci-layout");

        Outcome inspect = ato("inspect", "example.org/team/greeting:v1");
        assertThat(inspect.status()).isZero();
        assertThat(inspect.out()).contains("\"reference\" : \"example.org/team/greeting:v1\"").contains("\"diffId\" : \"sha256:");

        Outcome fstab = ato("fstab", "--mount-root", "/mnt/ato", "example.org/team/greeting:v1");
        assertThat(fstab.out()).startsWith(work.resolve("store/layers").toString()).contains(" /mnt/ato/example.org_team_greeting_v1 none bind,ro 0 0");

        assertThat(ato("rm", "example.org/team/greeting:v1").out()).contains("removed example.org/team/greeting:v1");
        Outcome gc = ato("gc");
        assertThat(gc.out()).contains("1 layers removed, 3 B freed");
        try (var s = Files.list(work.resolve("store/layers"))) {
            assertThat(s).isEmpty();
        }
    }

    @Test
    void errorsAreOneClearLineAndStatusOne() {
        assumeTrue("root".equals(System.getProperty("user.name")), "the image store needs root");
        Outcome missing = ato("inspect", "nothing:here");
        assertThat(missing.status()).isEqualTo(1);
        assertThat(missing.err()).startsWith("ato image: no image nothing:here");
        Outcome bad = ato("pull", "Not A Ref");
        assertThat(bad.status()).isEqualTo(1);
        assertThat(bad.err()).contains("invalid image reference");
        Outcome platform = ato("--platform", "amd64", "ls");
        assertThat(platform.status()).isEqualTo(1);
        assertThat(platform.err()).isEqualTo("ato image: --platform must look like linux/amd64: amd64\n");
        Outcome rm = ato("rm", "nothing:here");
        assertThat(rm.status()).isEqualTo(1);
    }
}
