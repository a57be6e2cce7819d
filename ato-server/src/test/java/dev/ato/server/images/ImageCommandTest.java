package dev.ato.server.images;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ato.server.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./ato image ...} through the real command tree: import, ls, inspect, fstab, rm, gc and the errors. */
class ImageCommandTest {
    @TempDir
    Path work;

    private record Outcome(int status, String out, String err) { }

    private Outcome ato(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            List<String> all = new ArrayList<>(List.of("image", "--store", work.resolve("store").toString()));
            all.addAll(List.of(args));
            int status = Main.commandLine().execute(all.toArray(String[]::new));
            return new Outcome(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    private static void run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) throw new AssertionError(List.of(cmd) + ": " + out);
    }

    @Test
    void importListInspectRemoveAndGcAnImage() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "the image store needs root");
        Path layout = work.resolve("layout");
        Path file = Files.writeString(work.resolve("greeting"), "hi\n");
        run("umoci", "init", "--layout", layout.toString());
        run("umoci", "new", "--image", layout + ":v1");
        run("umoci", "insert", "--image", layout + ":v1", file.toString(), "/greeting");

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
