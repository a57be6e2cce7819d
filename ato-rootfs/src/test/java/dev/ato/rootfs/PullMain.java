package dev.ato.rootfs;

import java.nio.file.Path;

/** Pulls one image into a store: the child process that {@link PullResilienceTest} kills midway. */
public final class PullMain {
    private PullMain() { }

    /** args: store root, reference. */
    public static void main(String[] args) {
        ImageStore.open(Path.of(args[0]), StoreConfig.defaults()).pull(ImageReference.parse(args[1]), ProgressListener.NONE);
    }
}
