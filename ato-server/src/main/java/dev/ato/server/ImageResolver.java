package dev.ato.server;

import dev.ato.languages.Language;
import dev.ato.sandbox.Image;
import dev.ato.sandbox.SandboxConfig;
import java.util.Optional;

/**
 * Finds the image a language runs in, by the name the catalog gives ({@code host}, or a reference in the image
 * store). The image store plugs in here; {@link #hostOnly()} knows the host image alone.
 */
@FunctionalInterface
public interface ImageResolver {
    /** The image with this name, or empty when it is not available on this host. */
    Optional<Image> resolve(String imageName);

    /**
     * The image {@code language} runs in, or empty when it is not available on this host; the host image comes
     * with the language's {@link Language#hostPaths() host paths}.
     */
    default Optional<Image> resolve(Language language) {
        return resolve(language.image()).map(i -> forLanguage(i, language));
    }

    /** {@code image}, with {@code language}'s host paths when it is the host image. */
    static Image forLanguage(Image image, Language language) {
        return image.hostImage() ? image.withHostPaths(language.hostPaths()) : image;
    }

    /**
     * {@code host}, plus every image in the image store at {@code storeRoot} (the server's default; the store is
     * opened on the first look-up of a stored image, and only when the directory exists), for a sandbox with
     * {@link SandboxConfig#defaults() the default} id mapping.
     */
    static ImageResolver hostAndStore(java.nio.file.Path storeRoot) {
        return hostAndStore(storeRoot, SandboxConfig.defaults());
    }

    /**
     * {@code host}, plus every image in the image store at {@code storeRoot}, opened with this sandbox's id
     * mapping. A found image is trusted for about a second and only while its layers exist, so an image removed
     * from the store (and garbage-collected) stops resolving.
     */
    static ImageResolver hostAndStore(java.nio.file.Path storeRoot, SandboxConfig sandbox) {
        return new dev.ato.server.internal.StoreImageResolver(storeRoot, sandbox);
    }

    /** Resolves {@code host} to {@link Image#host()} and nothing else. */
    static ImageResolver hostOnly() {
        return name -> "host".equals(name) ? Optional.of(Image.host()) : Optional.empty();
    }
}
