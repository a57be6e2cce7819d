package dev.ato.server;

import dev.ato.rootfs.layer.FileOps;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Temporary directories of server tests (state dirs holding the client-key secret), removed when done. */
public final class TestDirs {
    private TestDirs() { }

    /** A new directory under java.io.tmpdir, removed with everything in it when the JVM exits. */
    public static Path createRemovedOnExit(String prefix) {
        try {
            Path dir = Files.createTempDirectory(prefix);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(dir), "rm " + dir));
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Removes a directory tree; links are removed, never followed ({@link FileOps#deleteTree}). */
    public static void deleteTree(Path dir) {
        try {
            FileOps.deleteTree(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + dir, e);
        }
    }
}
