package dev.ato.server.internal;

import dev.ato.rootfs.ImageException;
import dev.ato.rootfs.ImageStore;
import dev.ato.rootfs.StoreConfig;
import dev.ato.rootfs.StoredImage;
import dev.ato.sandbox.Image;
import dev.ato.sandbox.SandboxConfig;
import dev.ato.server.ImageResolver;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * {@code host} is the host image; any other name is looked up in the image store. The store is opened on the
 * first such look-up, and only when its directory exists: opening sweeps the store's temp directories, which a
 * server that needs no stored image has no business doing.
 *
 * <p>The store is opened with the sandbox's id mapping ({@link StoreConfig#forSandbox}), so anything it
 * extracts is owned by the ids the sandbox maps to container root, whatever uid base the sandbox was given.
 *
 * <p>A found image is reused for a short time ({@link #DEFAULT_TTL}), and even then only while its layer
 * directories still exist (a few {@code stat} calls): an image removed with {@code ./ato image rm} stops
 * resolving within the TTL, and at once when {@code gc} has taken its layers. Missing images are asked again
 * every time, so an image pulled while the server runs is picked up by the next request.
 */
public final class StoreImageResolver implements ImageResolver {
    private static final System.Logger LOG = System.getLogger(StoreImageResolver.class.getName());

    /** How long a found image is trusted before its record is read again. */
    public static final Duration DEFAULT_TTL = Duration.ofSeconds(1);

    private record Cached(Image image, long foundAtNanos) { }

    private final Path root;
    private final StoreConfig storeConfig;
    private final long ttlNanos;
    private final LongSupplier clock;
    private final Map<String, Cached> found = new ConcurrentHashMap<>();
    private volatile ImageStore store;

    /** A resolver over the store at {@code root}, for images run by a sandbox with this configuration. */
    public StoreImageResolver(Path root, SandboxConfig sandbox) {
        this(root, sandbox, DEFAULT_TTL, System::nanoTime);
    }

    StoreImageResolver(Path root, SandboxConfig sandbox, Duration ttl, LongSupplier clock) {
        this.root = root;
        this.storeConfig = StoreConfig.defaults().forSandbox(sandbox);
        this.ttlNanos = ttl.toNanos();
        this.clock = clock;
    }

    /** The settings the store is (or will be) opened with. */
    StoreConfig storeConfig() {
        return storeConfig;
    }

    @Override
    public Optional<Image> resolve(String imageName) {
        if ("host".equals(imageName)) return Optional.of(Image.host());
        Cached known = found.get(imageName);
        long now = clock.getAsLong();
        if (known != null) {
            if (now - known.foundAtNanos < ttlNanos && layersExist(known.image)) return Optional.of(known.image);
            found.remove(imageName, known);
        }
        ImageStore s = store();
        if (s == null) return Optional.empty();
        try {
            Optional<Image> image = s.find(imageName).map(StoredImage::toSandboxImage);
            image.ifPresent(i -> found.put(imageName, new Cached(i, now)));
            return image;
        } catch (ImageException | IllegalArgumentException e) {
            LOG.log(System.Logger.Level.WARNING, "image '" + imageName + "' cannot be looked up: " + e.getMessage());
            return Optional.empty();
        }
    }

    private static boolean layersExist(Image image) {
        for (Path layer : image.layers()) {
            if (!Files.isDirectory(layer, LinkOption.NOFOLLOW_LINKS)) return false;
        }
        return true;
    }

    private ImageStore store() {
        ImageStore s = store;
        if (s != null) return s;
        if (!Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)) return null;
        synchronized (this) {
            if (store == null) {
                try {
                    store = ImageStore.open(root, storeConfig);
                } catch (ImageException e) {
                    LOG.log(System.Logger.Level.WARNING, "image store " + root + " cannot be opened: " + e.getMessage());
                    return null;
                }
            }
            return store;
        }
    }
}
