package dev.ato.rootfs.registry;

import dev.ato.rootfs.StoredImage;

import java.nio.file.Path;
import java.util.Map;

/** Lets tests in other packages reuse {@link RegistryPullTest#mergedTree}. */
public final class RegistryPullTestAccess {
    private RegistryPullTestAccess() { }

    /** The merged overlay tree of an image, owners shifted back. */
    public static Map<String, String> mergedTree(StoredImage img, Path mnt) throws Exception {
        return RegistryPullTest.mergedTree(img, mnt);
    }
}
