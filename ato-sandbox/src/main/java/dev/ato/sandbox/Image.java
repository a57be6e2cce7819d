package dev.ato.sandbox;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The root filesystem of a container: read-only layer directories stacked with overlayfs (the first is the
 * lowest), plus the environment and working directory the image declares.
 *
 * <p>The {@link #host() host image} is special: instead of layers, the host's {@code /usr /bin /sbin /lib*
 * /etc} are bound read-only, so whatever languages the host has installed run with no download.
 *
 * @param layers     layer directories, lowest first; empty only for the host image
 * @param env        environment variables the image declares (e.g. PATH); the run adds its own on top
 * @param workingDir the image's working directory (informational; runners run in {@code /ATO/context})
 * @param hostImage  true for {@link #host()}
 */
public record Image(List<Path> layers, Map<String, String> env, String workingDir, boolean hostImage) {
    /** The PATH a run gets when its image declares none. */
    public static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    /** Copies the collections; refuses relative layer paths and a layerless non-host image. */
    public Image {
        layers = List.copyOf(layers);
        env = Map.copyOf(env);
        Objects.requireNonNull(workingDir, "workingDir");
        if (!hostImage && layers.isEmpty()) throw new IllegalArgumentException("an image needs at least one layer");
        for (Path p : layers) {
            if (!p.isAbsolute()) throw new IllegalArgumentException("layer path must be absolute: " + p);
        }
    }

    /** An image made of layer directories (lowest first). */
    public static Image ofLayers(List<Path> layers, Map<String, String> env, String workingDir) {
        return new Image(layers, env, workingDir, false);
    }

    /** The host image: the host's system directories, read-only. */
    public static Image host() {
        return new Image(List.of(), Map.of("PATH", DEFAULT_PATH), "/", true);
    }
}
