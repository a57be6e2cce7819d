package dev.ato.server.images;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ato.rootfs.Cmd;
import dev.ato.rootfs.TestRegistry;
import java.nio.file.Path;

/**
 * A real registry (ato-rootfs's {@link TestRegistry}: Debian's docker-registry on a free loopback port),
 * holding one image with nothing but a static bash at {@code /bin/bash} and {@code PATH=/bin FROM_IMAGE=yes},
 * built by umoci and pushed by skopeo. Nothing of the host image is in it, so a run that sees
 * {@code /usr/bin/apt} did not run in it.
 */
final class StaticBashRegistry implements AutoCloseable {
    private static final String REPOSITORY_AND_TAG = "ato-test/static-bash:1";

    private final TestRegistry registry;

    private StaticBashRegistry(TestRegistry registry) {
        this.registry = registry;
    }

    /** Builds the image, starts the registry with its data under {@code work}, and pushes the image to it. */
    static StaticBashRegistry start(Path work) throws Exception {
        Path bashStatic = Path.of("/bin/bash-static");
        assertThat(bashStatic).as("bash-static is in setup/packages/runtime.txt").exists();

        Path layout = work.resolve("layout");
        Cmd.run("umoci", "init", "--layout", layout.toString());
        Cmd.run("umoci", "new", "--image", layout + ":1");
        Cmd.run("umoci", "config", "--image", layout + ":1", "--config.env=PATH=/bin", "--config.env=FROM_IMAGE=yes");
        Cmd.run("umoci", "insert", "--image", layout + ":1", bashStatic.toString(), "/bin/bash");

        StaticBashRegistry r = new StaticBashRegistry(TestRegistry.start(work.resolve("registry"), null, null));
        try {
            r.registry.push(layout, "1", REPOSITORY_AND_TAG, null);
            return r;
        } catch (RuntimeException | AssertionError e) {
            r.close();
            throw e;
        }
    }

    /** The pushed image's reference, {@code 127.0.0.1:PORT/ato-test/static-bash:1}. */
    String reference() {
        return registry.host() + "/" + REPOSITORY_AND_TAG;
    }

    /** Stops the registry. */
    @Override
    public void close() {
        registry.close();
    }
}
