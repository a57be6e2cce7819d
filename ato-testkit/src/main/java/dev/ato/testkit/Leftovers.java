package dev.ato.testkit;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;

/**
 * Removes what a closed sandbox leaves of a name the testkit chose: its state directory's contents and its
 * empty cgroup directories. (As of this writing {@code Sandbox.close()} removes neither, and the testkit makes a
 * fresh name for every sandbox, so without this each test class would leave a set behind.) Called only after
 * the sandbox is closed, when no process of it is left to race with; even so nothing here follows a symlink or
 * crosses into another file system.
 */
final class Leftovers {
    private static final System.Logger LOG = System.getLogger(Leftovers.class.getName());
    private static final Path CGROUP_ROOT = Path.of("/sys/fs/cgroup");

    private Leftovers() { }

    /** Deletes {@code dir} and everything under it that is on its file system; what cannot go is logged. */
    static void deleteStateDir(Path dir) {
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) return;
        try {
            Object device = Files.getAttribute(dir, "unix:dev", LinkOption.NOFOLLOW_LINKS);
            // walkFileTree never follows symlinks unless asked: a link is visited (and unlinked) as a file.
            Files.walkFileTree(dir, new BottomUpDelete(device, true));
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot remove the test sandbox's state dir " + dir + ": " + e);
        }
    }

    /**
     * Removes the cgroup {@code name} (and its children, deepest first) under every controller root: rmdir only,
     * which the kernel refuses for a cgroup that still has processes.
     */
    static void deleteCgroups(String name) {
        // The last processes of a closed sandbox may take a moment to leave their cgroups (rmdir says EBUSY).
        for (int attempt = 0; attempt < 20 && !cgroupDirs(name).isEmpty(); attempt++) {
            if (attempt > 0) {
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            tryDeleteCgroups(name, attempt == 19);
        }
    }

    private static void tryDeleteCgroups(String name, boolean lastAttempt) {
        for (Path cg : cgroupDirs(name)) {
            try {
                // A cgroup's control files cannot be unlinked; they go with their directory's rmdir.
                Files.walkFileTree(cg, new BottomUpDelete(null, false));
            } catch (IOException e) {
                if (lastAttempt) LOG.log(System.Logger.Level.WARNING, "cannot remove cgroup " + cg + ": " + e);
            }
        }
    }

    /**
     * Deletes a tree deepest first: every directory, files only when asked, and, given the tree's device, nothing
     * in a subtree on another file system (a mount left under the state dir is not ours to empty).
     */
    private static final class BottomUpDelete extends SimpleFileVisitor<Path> {
        private final Object device;
        private final boolean unlinkFiles;

        /** {@code device}: the {@code unix:dev} the tree must stay on, or null for no check. */
        BottomUpDelete(Object device, boolean unlinkFiles) {
            this.device = device;
            this.unlinkFiles = unlinkFiles;
        }

        @Override
        public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) throws IOException {
            if (device == null) return FileVisitResult.CONTINUE;
            return device.equals(Files.getAttribute(d, "unix:dev", LinkOption.NOFOLLOW_LINKS))
                    ? FileVisitResult.CONTINUE : FileVisitResult.SKIP_SUBTREE;
        }

        @Override
        public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) throws IOException {
            if (unlinkFiles) Files.delete(f);
            return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
            if (e != null) throw e;
            Files.delete(d);
            return FileVisitResult.CONTINUE;
        }
    }

    /** {@code /sys/fs/cgroup/NAME} (v2) and {@code /sys/fs/cgroup/CONTROLLER/NAME} (v1) that exist. */
    static List<Path> cgroupDirs(String name) {
        List<Path> out = new ArrayList<>();
        if (Files.isDirectory(CGROUP_ROOT.resolve(name), LinkOption.NOFOLLOW_LINKS)) out.add(CGROUP_ROOT.resolve(name));
        try (DirectoryStream<Path> roots = Files.newDirectoryStream(CGROUP_ROOT)) {
            for (Path root : roots) {
                // cpu and cpuacct are often links to cpu,cpuacct: each hierarchy once.
                if (!Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)) continue;
                Path cg = root.resolve(name);
                if (Files.isDirectory(cg, LinkOption.NOFOLLOW_LINKS)) out.add(cg);
            }
        } catch (IOException e) {
            // no cgroup file system: nothing was made
        }
        return out;
    }
}
