package dev.ato.rootfs;

import dev.ato.sandbox.Image;

import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An image in the {@link ImageStore}: its reference, where it came from, and its extracted layers.
 *
 * @param reference      the name it is stored under
 * @param manifestDigest digest of the manifest it came from ({@code sha256:...}); for built and docker-save
 *                       images, the digest of the manifest the store synthesised
 * @param configDigest   digest of the image config blob
 * @param layers         layer directories, lowest first, absolute
 * @param layerDigests   the layers' diff_ids (sha256 of the uncompressed tar), in the same order
 * @param env            the config's {@code Env}, as {@code NAME=value} strings, in order
 * @param workingDir     the config's {@code WorkingDir} ({@code "/"} when unset)
 * @param entrypoint     the config's {@code Entrypoint} (may be empty)
 * @param cmd            the config's {@code Cmd} (may be empty)
 * @param source         where it came from: "registry", "docker-archive", "oci-layout" or "mmdebstrap"
 * @param created        when it was put into the store
 */
public record StoredImage(
        ImageReference reference,
        String manifestDigest,
        String configDigest,
        List<Path> layers,
        List<String> layerDigests,
        List<String> env,
        String workingDir,
        List<String> entrypoint,
        List<String> cmd,
        String source,
        Instant created) {

    /** Validates and copies. */
    public StoredImage {
        Objects.requireNonNull(reference, "reference");
        Objects.requireNonNull(manifestDigest, "manifestDigest");
        Objects.requireNonNull(configDigest, "configDigest");
        layers = List.copyOf(layers);
        layerDigests = List.copyOf(layerDigests);
        env = List.copyOf(env);
        Objects.requireNonNull(workingDir, "workingDir");
        entrypoint = List.copyOf(entrypoint);
        cmd = List.copyOf(cmd);
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(created, "created");
        if (layers.size() != layerDigests.size()) throw new IllegalArgumentException("one digest per layer");
        for (Path p : layers) if (!p.isAbsolute()) throw new IllegalArgumentException("layer path must be absolute: " + p);
    }

    /** The environment as a map (a later duplicate wins, as in Docker; entries without '=' are dropped). */
    public Map<String, String> envMap() {
        Map<String, String> m = new LinkedHashMap<>();
        for (String e : env) {
            int eq = e.indexOf('=');
            if (eq > 0) m.put(e.substring(0, eq), e.substring(eq + 1));
        }
        return m;
    }

    /**
     * The layer directories to stack, lowest first, with a layer that occurs more than once (an empty layer
     * of an old builder, say) kept only at its topmost place: overlayfs refuses a lowerdir listed twice, and
     * applying the same layer again higher up shadows everything its lower occurrence did, so dropping the
     * lower one changes nothing.
     */
    public List<Path> stackedLayers() {
        java.util.LinkedHashSet<Path> topDown = new java.util.LinkedHashSet<>();
        for (int i = layers.size() - 1; i >= 0; i--) topDown.add(layers.get(i));
        List<Path> out = new java.util.ArrayList<>(topDown);
        java.util.Collections.reverse(out);
        return List.copyOf(out);
    }

    /**
     * The sandbox's view of this image: the {@link #stackedLayers() layers} lowest first, the environment (with a default PATH when
     * the image declares none) and the working directory.
     */
    public Image toSandboxImage() {
        Map<String, String> e = envMap();
        e.putIfAbsent("PATH", Image.DEFAULT_PATH);
        return Image.ofLayers(stackedLayers(), e, workingDir.isEmpty() ? "/" : workingDir);
    }

    /**
     * An {@code /etc/fstab} line that mounts this image read-only at {@code mountPoint} with overlayfs, as
     * ATO's setup does for hosts that mount images at boot. overlayfs lists lowerdirs topmost first, so the
     * layers appear in reverse; a single-layer image gets a bind mount, since overlayfs needs two lowers
     * without an upper. Spaces, tabs, backslashes and colons in paths are escaped as fstab(5) and
     * overlayfs require.
     */
    public String fstabLine(Path mountPoint) {
        if (!mountPoint.isAbsolute()) throw new IllegalArgumentException("mount point must be absolute: " + mountPoint);
        List<Path> layers = stackedLayers();
        if (layers.size() == 1) {
            return fstabEscape(layers.get(0).toString()) + " " + fstabEscape(mountPoint.toString()) + " none bind,ro 0 0";
        }
        StringBuilder lower = new StringBuilder();
        for (int i = layers.size() - 1; i >= 0; i--) {
            if (lower.length() > 0) lower.append(':');
            // overlayfs splits lowerdir on ':' and honours '\' escapes.
            lower.append(layers.get(i).toString().replace("\\", "\\\\").replace(":", "\\:").replace(",", "\\,"));
        }
        return "overlay " + fstabEscape(mountPoint.toString()) + " overlay ro,lowerdir=" + fstabEscape(lower.toString()) + " 0 0";
    }

    private static String fstabEscape(String s) {
        StringBuilder b = new StringBuilder();
        for (char c : s.toCharArray()) {
            switch (c) {
                case ' ' -> b.append("\\040");
                case '\t' -> b.append("\\011");
                case '\n' -> b.append("\\012");
                case '\\' -> b.append("\\134");
                default -> b.append(c);
            }
        }
        return b.toString();
    }
}
