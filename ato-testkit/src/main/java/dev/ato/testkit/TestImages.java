package dev.ato.testkit;

import dev.ato.sandbox.Image;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;

/**
 * Tiny images for tests, made in a directory of the caller's (e.g. a JUnit {@code @TempDir}) in a few
 * milliseconds, with no registry and no download.
 */
public final class TestImages {
    /** Where Debian's {@code bash-static} package puts its binary. */
    public static final Path STATIC_BASH = Path.of("/bin/bash-static");

    private TestImages() { }

    /**
     * A one-layer image holding only a static bash as {@code /bin/bash} and {@code /bin/sh}, plus minimal
     * {@code /etc/passwd} and {@code /etc/group}: enough for shell scripts using builtins, and small enough
     * to show that a run sees nothing of the host.
     *
     * @param dir an empty directory that becomes the layer (it must stay until the test ends)
     */
    public static Image staticBash(Path dir) {
        try {
            if (!Files.isRegularFile(STATIC_BASH)) {
                throw new IllegalStateException(STATIC_BASH + " is missing: apt-get install bash-static");
            }
            Path bin = Files.createDirectories(dir.resolve("bin"));
            Path etc = Files.createDirectories(dir.resolve("etc"));
            Files.createDirectories(dir.resolve("tmp"));
            Path bash = bin.resolve("bash");
            Files.copy(STATIC_BASH, bash);
            Files.setPosixFilePermissions(bash, PosixFilePermissions.fromString("rwxr-xr-x"));
            Files.createSymbolicLink(bin.resolve("sh"), Path.of("bash"));
            Files.writeString(etc.resolve("passwd"), "root:x:0:0:root:/root:/bin/sh\n", StandardCharsets.UTF_8);
            Files.writeString(etc.resolve("group"), "root:x:0:\n", StandardCharsets.UTF_8);
            return Image.ofLayers(List.of(dir.toAbsolutePath()), Map.of("PATH", "/bin"), "/");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make the static-bash test image in " + dir, e);
        }
    }
}
