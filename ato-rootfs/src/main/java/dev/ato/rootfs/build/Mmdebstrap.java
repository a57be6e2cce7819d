package dev.ato.rootfs.build;

import dev.ato.rootfs.ImageException;
import dev.ato.rootfs.ImageException.Kind;
import dev.ato.rootfs.ProgressListener;
import dev.ato.rootfs.Recipe;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/** Runs Debian's {@code mmdebstrap} to turn a {@link Recipe} into a root-filesystem tarball. */
public final class Mmdebstrap {
    private Mmdebstrap() { }

    /** The command line for a recipe (exposed for tests and for printing). */
    public static List<String> command(Recipe r, Path tarball) {
        List<String> cmd = new ArrayList<>();
        cmd.add("mmdebstrap");
        cmd.add("--variant=" + r.variant());
        cmd.add("--format=tar");
        if (!r.components().isEmpty()) cmd.add("--components=" + String.join(",", r.components()));
        if (!r.packages().isEmpty()) cmd.add("--include=" + String.join(",", r.packages()));
        // Keep the image lean: no apt lists or caches, no docs beyond copyright files.
        cmd.add("--dpkgopt=path-exclude=/usr/share/doc/*");
        cmd.add("--dpkgopt=path-include=/usr/share/doc/*/copyright");
        cmd.add("--dpkgopt=path-exclude=/usr/share/man/*");
        // Without man pages no package makes /usr/share/man/man1, where update-alternatives puts its links
        // (openjdk's postinst fails on the missing directory).
        cmd.add("--essential-hook=mkdir -p \"$1\"/usr/share/man/man1");
        cmd.add("--customize-hook=rm -rf \"$1\"/var/lib/apt/lists/* \"$1\"/var/cache/apt/*.bin");
        cmd.add(r.suite());
        cmd.add(tarball.toString());
        if (!r.mirror().isEmpty()) cmd.add(r.mirror());
        return cmd;
    }

    /**
     * Builds the tarball; mmdebstrap's output goes to the listener line by line.
     *
     * @throws ImageException IO when mmdebstrap is missing or fails (the message ends with its last lines)
     */
    public static void run(Recipe r, Path tarball, ProgressListener progress) {
        List<String> cmd = command(r, tarball);
        progress.message("running " + String.join(" ", cmd));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("LC_ALL", "C.UTF-8");
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new ImageException(Kind.IO, "cannot start mmdebstrap (install the Debian package 'mmdebstrap'): " + e.getMessage(), e);
        }
        Deque<String> tail = new ArrayDeque<>();
        try (BufferedReader rd = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = rd.readLine()) != null) {
                if (line.length() > 2000) line = line.substring(0, 2000);
                progress.message(line);
                tail.addLast(line);
                if (tail.size() > 15) tail.removeFirst();
            }
            int rc = p.waitFor();
            if (rc != 0 || !Files.isRegularFile(tarball)) {
                throw new ImageException(Kind.IO, "mmdebstrap for recipe " + r.name() + " failed with exit code " + rc + ":\n" + String.join("\n", tail));
            }
        } catch (IOException e) {
            p.destroyForcibly();
            throw new ImageException(Kind.IO, "read mmdebstrap output: " + e, e);
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new ImageException(Kind.IO, "interrupted while mmdebstrap ran", e);
        }
    }
}
