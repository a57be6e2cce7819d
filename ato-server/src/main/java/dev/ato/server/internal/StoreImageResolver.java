package dev.ato.server.internal;

import dev.ato.rootfs.ImageException;
import dev.ato.rootfs.ImageStore;
import dev.ato.rootfs.StoreConfig;
import dev.ato.rootfs.StoredImage;
import dev.ato.sandbox.Image;
import dev.ato.server.ImageResolver;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code host} is the host image; any other name is looked up in the image store. The store is opened on the
 * first such look-up, and only when its directory exists: opening sweeps the store's temp directories, which a
 * server that needs no stored image has no business doing. Found images are remembered; missing ones are asked
 * again next time, so an image pulled while the server runs is picked up.
 */
public final class StoreImageResolver implements ImageResolver {
    private static final System.Logger LOG = System.getLogger(StoreImageResolver.class.getName());

    private final Path root;
    private final Map<String, Image> found = new ConcurrentHashMap<>();
    private volatile ImageStore store;

    /** A resolver over the store at {@code root}. */
    public StoreImageResolver(Path root) {
        this.root = root;
    }

    @Override
    public Optional<Image> resolve(String imageName) {
        if ("host".equals(imageName)) return Optional.of(Image.host());
        Image known = found.get(imageName);
        if (known != null) return Optional.of(known);
        ImageStore s = store();
        if (s == null) return Optional.empty();
        try {
            Optional<Image> image = s.find(imageName).map(StoredImage::toSandboxImage);
            image.ifPresent(i -> found.put(imageName, i));
            return image;
        } catch (ImageException | IllegalArgumentException e) {
            LOG.log(System.Logger.Level.WARNING, "image '" + imageName + "' cannot be looked up: " + e.getMessage());
            return Optional.empty();
        }
    }

    private ImageStore store() {
        ImageStore s = store;
        if (s != null) return s;
        if (!Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)) return null;
        synchronized (this) {
            if (store == null) {
                try {
                    store = ImageStore.open(root, StoreConfig.defaults());
                } catch (ImageException e) {
                    LOG.log(System.Logger.Level.WARNING, "image store " + root + " cannot be opened: " + e.getMessage());
                    return null;
                }
            }
            return store;
        }
    }
}
