package dev.ato.sandbox.linux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ato.sandbox.CompletedRun;
import dev.ato.sandbox.Image;
import dev.ato.sandbox.RunSpec;
import dev.ato.sandbox.Sandbox;
import dev.ato.sandbox.SandboxConfig;
import dev.ato.sandbox.SandboxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Images made of layer directories (what ato-rootfs supplies), stacked with overlayfs. */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
@Tag("kernel")
class LayeredImageTest {
    static final SandboxConfig CONFIG = KillMeMain.config("ato-test-layers", 320000);
    static Sandbox sandbox;
    static Path layers;

    @BeforeAll
    static void start() throws Exception {
        sandbox = Sandbox.create(CONFIG);
        layers = Files.createTempDirectory("ato-layers");
        Files.setPosixFilePermissions(layers, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path low = Files.createDirectories(layers.resolve("low"));
        Files.createDirectories(low.resolve("bin"));
        Files.copy(Path.of("/bin/bash-static"), low.resolve("bin/sh"));
        Files.createDirectories(low.resolve("etc"));
        Files.writeString(low.resolve("etc/which"), "low\n");
        Files.writeString(low.resolve("etc/only-low"), "only low\n");
        Path high = Files.createDirectories(layers.resolve("high/etc"));
        Files.writeString(high.resolve("which"), "high\n");
        // ato-rootfs shifts the owners of extracted layers into the sandbox's uid range: do the same here.
        for (String l : List.of("low", "high")) {
            Process chown = new ProcessBuilder("chown", "-hR", CONFIG.uidBase() + ":" + CONFIG.gidBase(), layers.resolve(l).toString()).start();
            assertThat(chown.waitFor()).isZero();
        }
        Path evil = Files.createDirectories(layers.resolve("evil"));
        Files.createSymbolicLink(evil.resolve("tmp"), Path.of("/etc"));
    }

    @AfterAll
    static void stop() throws Exception {
        if (sandbox != null) sandbox.close();
        if (layers != null) {
            try (Stream<Path> s = Files.walk(layers)) {
                for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
            }
        }
        Leftovers.assertNone(CONFIG);
    }

    @AfterEach
    void nothingLeftBehind() throws Exception {
        Leftovers.assertNone(CONFIG);
    }

    static Image image(String... names) {
        return Image.ofLayers(Stream.of(names).map(layers::resolve).toList(), Map.of("PATH", "/bin", "GREETING", "hi"), "/");
    }

    @Test
    void upperLayersWinTheImageEnvironmentAppliesAndTheRootIsWritable() {
        CompletedRun r = sandbox.run(RunSpec.builder().image(image("low", "high"))
                .runnerScript("read w < /etc/which; echo $w; read o < /etc/only-low; echo $o; echo $GREETING $PATH;"
                        + " echo new > /etc/which && read w < /etc/which && echo $w; sh -c 'echo from sh';"
                        + " [ -e /usr/bin ] || echo no-host-usr; [ -d /proc/1 ] && [ -c /dev/null ] && [ -d /tmp ] && echo mounts")
                .build());
        assertThat(r.stderrText()).isEmpty();
        assertThat(r.stdoutText()).isEqualTo("high\nonly low\nhi /bin\nnew\nfrom sh\nno-host-usr\nmounts\n");
        try {
            assertThat(Files.readString(layers.resolve("high/etc/which"))).isEqualTo("high\n");
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void inAnotherUidSlotTheImagesFilesStillBelongToContainerRoot() throws Exception {
        java.util.concurrent.CountDownLatch ready = new java.util.concurrent.CountDownLatch(1);
        dev.ato.sandbox.Run holder = sandbox.start(RunSpec.builder().image(image("low", "high")).runnerScript("echo ready; read x < /etc/which; exec sh -c 'while :; do read -t 1 x; done'").build(),
                (stream, chunk) -> ready.countDown());
        try {
            assertThat(ready.await(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            CompletedRun r = sandbox.run(RunSpec.builder().image(image("low", "high"))
                    .runnerScript("read m < /proc/self/uid_map; echo $m; echo new > /etc/which && read w < /etc/which && echo $w;"
                            + " echo x > /bin/added && echo added; echo y > /etc/only-low && echo rewritten").build());
            assertThat(r.stderrText()).isEmpty();
            assertThat(r.stdoutText()).isEqualTo("0 " + (CONFIG.uidBase() + CONFIG.uidCount()) + " " + CONFIG.uidCount() + "\nnew\nadded\nrewritten\n");
        } finally {
            holder.kill();
            holder.result().get(60, java.util.concurrent.TimeUnit.SECONDS);
        }
    }

    @Test
    void aSymlinkWhereTheContainerMountsIsRefused() {
        assertThatThrownBy(() -> sandbox.run(RunSpec.builder().image(image("low", "evil")).runnerScript("true").build()))
                .isInstanceOf(SandboxException.class).hasMessageContaining("/tmp").hasMessageContaining("symlink");
    }

    @Test
    void layerPathsWithOverlayfsSeparatorsWork() throws Exception {
        // overlayfs splits lowerdir at ':' and ','; the sandbox hands it descriptors, so such names are fine.
        Path odd = layers.resolve("odd:name,x");
        Files.createDirectories(odd.resolve("etc"));
        Files.writeString(odd.resolve("etc/which"), "odd\n");
        try {
            CompletedRun r = sandbox.run(RunSpec.builder().image(image("low", "odd:name,x"))
                    .runnerScript("read w < /etc/which; echo $w; while read l; do case $l in *ato-layers*) echo \"$l\";; esac;"
                            + " done < /proc/self/mountinfo; echo end").build());
            assertThat(r.stdoutText()).as("the layer store's path stays out of mountinfo").isEqualTo("odd\nend\n");
        } finally {
            Files.delete(odd.resolve("etc/which"));
            Files.delete(odd.resolve("etc"));
            Files.delete(odd);
        }
    }

    @Test
    void aMissingLayerIsNamedInTheError() {
        Image bad = Image.ofLayers(List.of(Path.of("/no/such-layer")), Map.of(), "/");
        assertThatThrownBy(() -> sandbox.run(RunSpec.builder().image(bad).runnerScript("true").build()))
                .isInstanceOf(SandboxException.class).hasMessageContaining("/no/such-layer").hasMessageContaining("ENOENT");
    }
}
