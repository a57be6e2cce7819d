package dev.ato.server.images;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ato.cli.Cli;
import dev.ato.cli.Cli.Outcome;
import dev.ato.rootfs.ImageStore;
import dev.ato.rootfs.StoreConfig;
import dev.ato.rootfs.StoredImage;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./ato run LANGUAGE FILE --image REF}: the language's runner in an image pulled on demand. */
@Tag("kernel")
@Tag("registry")
class RunWithImageTest {
    @TempDir
    Path work;

    private static Outcome ato(String... args) {
        return Cli.run(args);
    }

    @Test
    void runPullsTheImageOnceAndRunsTheLanguagesRunnerInIt() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "the sandbox and the image store need root");
        Path store = work.resolve("store");
        Path config = Files.writeString(work.resolve("ato.yaml"), """
                paths:
                  run-dir: /run/ato-server-test
                  cgroup: ato-server-test
                  image-dir: %s
                """.formatted(store));
        // Runs through bash's runner (/ATO/yargs, "$@" ...), so the runner is the language's, not a plain command.
        Path code = Files.writeString(work.resolve("prog.sh"),
                "echo \"from image: $FROM_IMAGE, args: $*\"; [ -e /usr/bin/apt ] && echo host-leak; exit 3");
        String ref;
        try (StaticBashRegistry registry = StaticBashRegistry.start(work.resolve("registry"))) {
            ref = registry.reference();
            Outcome first = ato("run", "bash", code.toString(), "--arg", "x", "--image", ref, "--config", config.toString());
            assertThat(first.status()).as(first.err()).isEqualTo(3);
            assertThat(first.out()).isEqualTo("from image: yes, args: x\n");
            assertThat(first.err()).contains("exited 3");
        }

        // Pulled with the sandbox's id mapping: the layer's root-owned files belong to container root's host uid.
        StoredImage stored = ImageStore.open(store, StoreConfig.defaults()).find(ref).orElseThrow();
        Path bash = stored.layers().get(0).resolve("bin/bash");
        assertThat(Files.getAttribute(bash, "unix:uid", LinkOption.NOFOLLOW_LINKS)).isEqualTo(100000);

        // The registry is gone: the second run finds the stored image and pulls nothing.
        Outcome second = ato("run", "bash", code.toString(), "--image", ref, "--config", config.toString());
        assertThat(second.status()).as(second.err()).isEqualTo(3);
        assertThat(second.out()).isEqualTo("from image: yes, args: \n");
    }

    @Test
    void imageThatCannotBePulledIsOneClearErrorAndNoRun() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "the image store needs root");
        Path config = Files.writeString(work.resolve("ato.yaml"), "paths:\n  image-dir: " + work.resolve("store") + "\n");
        Path code = Files.writeString(work.resolve("prog.sh"), "echo ran");
        // A loopback port nothing listens on (the store retries, then reports the registry it could not reach).
        Outcome o = ato("run", "bash", code.toString(), "--image", "127.0.0.1:9/nothing/here:1", "--config", config.toString());
        assertThat(o.status()).isEqualTo(125);
        assertThat(o.out()).isEmpty();
        // The pull's progress line, then one error line naming what failed; no stack trace.
        assertThat(o.err()).contains("\nato run: fetch manifest 1 of 127.0.0.1:9/nothing/here").doesNotContain("\tat ");

        Outcome bad = ato("run", "bash", code.toString(), "--image", "Not A Reference", "--config", config.toString());
        assertThat(bad.status()).isEqualTo(125);
        assertThat(bad.err()).startsWith("ato run: ").doesNotContain("\tat ");
    }

    @Test
    void hostAsImageRunsInTheHostImage() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "the sandbox needs root");
        Path config = Files.writeString(work.resolve("ato.yaml"), """
                paths:
                  run-dir: /run/ato-server-test
                  cgroup: ato-server-test
                  image-dir: %s
                """.formatted(work.resolve("store")));
        Path code = Files.writeString(work.resolve("prog.sh"), "[ -x /usr/bin/env ] && echo host");
        Outcome o = ato("run", "bash", code.toString(), "--image", "host", "--config", config.toString());
        assertThat(o.status()).as(o.err()).isZero();
        assertThat(o.out()).isEqualTo("host\n");
        assertThat(Files.exists(work.resolve("store"))).as("no store is made for the host image").isFalse();
    }
}
