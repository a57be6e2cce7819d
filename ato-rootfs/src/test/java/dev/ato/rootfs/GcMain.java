package dev.ato.rootfs;

import java.nio.file.Path;

/** Runs {@code gc} on a store in a process of its own: the second process of {@link StoreGcTest}. */
public final class GcMain {
    private GcMain() { }

    /** args: store root. Prints "removed N" and the removed diff_ids. */
    public static void main(String[] args) {
        ImageStore.GcResult r = ImageStore.open(Path.of(args[0]), StoreConfig.defaults()).gc();
        System.out.println("removed " + r.removedLayers().size() + " " + r.removedLayers());
    }
}
