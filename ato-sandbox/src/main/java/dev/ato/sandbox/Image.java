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
 * /etc} are bound read-only, so whatever languages the host has installed run with no download. A language
 * may need more host directories ({@link #withHostPaths}: GHC's package database is {@code /var/lib/ghc}).
 *
 * @param layers     layer directories, lowest first; empty only for the host image
 * @param env        environment variables the image declares (e.g. PATH); the run adds its own on top
 * @param workingDir the image's working directory (informational; runners run in {@code /ATO/context})
 * @param hostImage  true for {@link #host()}
 * @param hostPaths  host image only: further host directories bound read-only at the same path (each absolute
 *                   and normal, outside the system directories and the run's own {@code /proc /dev /tmp /ATO
 *                   /sys}); one the host lacks is left out
 */
public record Image(List<Path> layers, Map<String, String> env, String workingDir, boolean hostImage,
        List<String> hostPaths) {
    /** The PATH a run gets when its image declares none. */
    public static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    /** Top-level directories a host path may not be in: the host image's system directories and the run's own. */
    private static final List<String> RESERVED =
            List.of("usr", "bin", "sbin", "lib", "lib32", "lib64", "libx32", "etc", "proc", "dev", "tmp", "ATO", "sys");

    /** Copies the collections; refuses relative layer paths, a layerless non-host image and bad host paths. */
    public Image {
        layers = List.copyOf(layers);
        env = Map.copyOf(env);
        hostPaths = List.copyOf(hostPaths);
        Objects.requireNonNull(workingDir, "workingDir");
        if (!hostImage && layers.isEmpty()) throw new IllegalArgumentException("an image needs at least one layer");
        for (Path p : layers) {
            if (!p.isAbsolute()) throw new IllegalArgumentException("layer path must be absolute: " + p);
        }
        if (!hostImage && !hostPaths.isEmpty()) throw new IllegalArgumentException("only the host image binds host paths");
        for (String p : hostPaths) {
            String[] parts = p.split("/", -1);
            boolean normal = p.startsWith("/") && parts.length > 1 && p.indexOf('\0') < 0;
            for (int i = 1; normal && i < parts.length; i++) {
                normal = !parts[i].isEmpty() && !parts[i].equals(".") && !parts[i].equals("..");
            }
            if (!normal) throw new IllegalArgumentException("host path must be absolute and normal: " + p);
            if (RESERVED.contains(parts[1])) {
                throw new IllegalArgumentException("host path " + p + " is in /" + parts[1] + ", which runs see already or own");
            }
        }
    }

    /** An image without host paths. */
    public Image(List<Path> layers, Map<String, String> env, String workingDir, boolean hostImage) {
        this(layers, env, workingDir, hostImage, List.of());
    }

    /** This host image, also binding these host directories (e.g. {@code /var/lib/ghc}) read-only. */
    public Image withHostPaths(List<String> paths) {
        return new Image(layers, env, workingDir, hostImage, paths);
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
