package dev.ato.rootfs.store;

import dev.ato.rootfs.ImageException;
import dev.ato.rootfs.ImageException.Kind;
import dev.ato.rootfs.ImageReference;
import dev.ato.rootfs.ProgressListener;
import dev.ato.rootfs.StoredImage;
import dev.ato.rootfs.registry.Digests;
import dev.ato.rootfs.store.LayerWriter.LayerSource;
import dev.ato.rootfs.store.Manifests.ImageConfig;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * One image going into the store, whatever its source: its layers are pinned before anything is looked up
 * or extracted, extracted within the image's {@link ImageBudget}, recorded, and the pin released. Closed
 * without {@link #commit()} (a refused layer, a bad digest, a full disk), it removes the layers it published
 * that no record names and nobody else pins: the store holds what it held before. Only when the network
 * failed does it keep them (each is whole and verified), so the next pull downloads just the rest.
 *
 * <pre>{@code
 * try (ImageSession s = parts.begin(name)) {
 *     s.layers(sources, 3, true, progress);
 *     StoredImage img = s.record(ref, manifestDigest, configDigest, config, "registry");
 *     s.commit();
 * }
 * }</pre>
 */
public final class ImageSession implements AutoCloseable {
    private final StoreParts parts;
    private final ImageBudget budget;
    private final LayerPins.Pin pin;
    private final List<String> published = new ArrayList<>();
    private boolean committed;
    private boolean keepPublished;

    ImageSession(StoreParts parts, String image) {
        this.parts = parts;
        this.budget = new ImageBudget(image, parts.config().caps());
        this.pin = parts.pins().pin(List.of());
    }

    /** Puts the layers into the store, up to {@code parallelism} at once; the first failure is rethrown once all have ended. */
    public void layers(List<LayerSource> layers, int parallelism, boolean retryNetwork, ProgressListener progress) {
        Map<String, LayerSource> distinct = new LinkedHashMap<>();
        for (LayerSource l : layers) distinct.putIfAbsent(Digests.hex(l.diffId()), l);
        pin.add(distinct.keySet());
        List<Runnable> tasks = new ArrayList<>();
        for (Map.Entry<String, LayerSource> l : distinct.entrySet()) {
            tasks.add(() -> {
                if (parts.layers().ensure(l.getValue(), progress, retryNetwork, budget)) {
                    synchronized (published) {
                        published.add(l.getKey());
                    }
                } else {
                    budget.addPresent(l.getValue().id(), parts.usage().of(l.getKey()));
                }
            });
        }
        try {
            runParallel(tasks, parallelism, "put layers of an image");
        } catch (ImageException e) {
            // Whole, verified layers of a pull the network cut short stay for the next try (gc removes them
            // if none comes); anything refused is taken back out.
            if (e.kind() == Kind.NETWORK) keepPublished = true;
            throw e;
        }
    }

    /** Extracts a tarball as the image's one layer; returns its diff_id. */
    public String layerFromTarball(Path tarball, ProgressListener progress) throws IOException {
        LayerWriter.Extracted e = parts.layers().extractUnknown(tarball, progress, budget, pin);
        String hex = Digests.hex(e.diffId());
        if (e.published()) {
            published.add(hex);
        } else {
            budget.addPresent("rootfs", parts.usage().of(hex));
        }
        return e.diffId();
    }

    /** Records the image under {@code ref}. */
    public StoredImage record(ImageReference ref, String manifestDigest, String configDigest, ImageConfig ic, String source) {
        return parts.records().write(ref, manifestDigest, configDigest, ic, source);
    }

    /** Marks the image as stored: closing keeps what was published. */
    public void commit() {
        committed = true;
    }

    @Override
    public void close() {
        pin.close();
        if (!committed && !keepPublished) {
            List<String> mine;
            synchronized (published) {
                mine = List.copyOf(published);
            }
            parts.gc().collect(mine);
        }
    }

    /**
     * Runs the tasks on up to {@code parallelism} platform threads (they block in I/O and in JNA calls) and
     * waits for all; the first failure is rethrown once every task has ended, so no task outlives the call.
     */
    private static void runParallel(List<Runnable> tasks, int parallelism, String what) {
        if (tasks.size() <= 1 || parallelism <= 1) {
            tasks.forEach(Runnable::run);
            return;
        }
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(parallelism, tasks.size()),
                r -> Thread.ofPlatform().daemon().name("ato-pull").unstarted(r));
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (Runnable t : tasks) futures.add(pool.submit(t));
            RuntimeException first = null;
            for (Future<?> f : futures) {
                try {
                    f.get();
                } catch (ExecutionException e) {
                    if (first == null) {
                        first = e.getCause() instanceof RuntimeException re ? re
                                : new ImageException(Kind.IO, what + ": " + e.getCause(), e.getCause());
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    pool.shutdownNow();
                    throw new ImageException(Kind.NETWORK, "interrupted: " + what, e);
                }
            }
            if (first != null) throw first;
        } finally {
            pool.shutdown();
        }
    }
}
