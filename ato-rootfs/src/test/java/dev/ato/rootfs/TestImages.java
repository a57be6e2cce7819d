package dev.ato.rootfs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;

/** OCI layouts that tests build with umoci, so the images come from a tool other than ours. */
public final class TestImages {
    private TestImages() { }

    /**
     * A three-layer image, tag {@code t}: layer 1 adds /opt/app (files, a symlink, a hardlink-free tree with
     * set-uid and odd modes, non-root owners) and /etc/config; layer 2 whites out /opt/app/old and
     * /etc/config and adds /opt/app/new; layer 3 replaces /opt/app/data with an opaque directory.
     */
    public static Path multiLayer(Path work) throws IOException {
        Path layout = work.resolve("layout");
        Cmd.run("umoci", "init", "--layout", layout.toString());
        Cmd.run("umoci", "new", "--image", layout + ":t");
        Cmd.run("umoci", "config", "--image", layout + ":t", "--config.env=GREETING=hello world", "--config.workingdir=/opt/app", "--config.cmd=/bin/sh");

        Path l1 = Files.createDirectories(work.resolve("l1/app"));
        Files.writeString(l1.resolve("run.sh"), "#!/bin/sh\necho hi\n");
        Files.setPosixFilePermissions(l1.resolve("run.sh"), PosixFilePermissions.fromString("rwxr-x---"));
        Files.writeString(l1.resolve("old"), "old\n");
        Files.createDirectories(l1.resolve("data/deep"));
        Files.writeString(l1.resolve("data/deep/a"), "a\n");
        Files.writeString(l1.resolve("data/b"), "b\n");
        Files.createSymbolicLink(l1.resolve("link"), Path.of("run.sh"));
        Files.createSymbolicLink(l1.resolve("abs"), Path.of("/nonexistent/abs-target"));
        Files.writeString(l1.resolve("suid"), "s\n");
        Cmd.run("chmod", "4755", l1.resolve("suid").toString());
        Cmd.run("chown", "-R", "1000:1000", l1.resolve("data").toString());
        Files.setLastModifiedTime(l1.resolve("old"), FileTime.fromMillis(1_000_000_000_000L));
        Cmd.run("umoci", "insert", "--image", layout + ":t", l1.toString(), "/opt/app");
        Path cfg = Files.createDirectories(work.resolve("l1etc"));
        Files.writeString(cfg.resolve("config"), "k=v\n");
        Cmd.run("umoci", "insert", "--image", layout + ":t", cfg.resolve("config").toString(), "/etc/config");

        Cmd.run("umoci", "insert", "--image", layout + ":t", "--whiteout", "/opt/app/old");
        Cmd.run("umoci", "insert", "--image", layout + ":t", "--whiteout", "/etc/config");
        Path l2 = Files.createDirectories(work.resolve("l2"));
        Files.writeString(l2.resolve("new"), "new\n");
        Cmd.run("umoci", "insert", "--image", layout + ":t", l2.resolve("new").toString(), "/opt/app/new");

        Path l3 = Files.createDirectories(work.resolve("l3/data"));
        Files.writeString(l3.resolve("only"), "only\n");
        Cmd.run("umoci", "insert", "--image", layout + ":t", "--opaque", l3.toString(), "/opt/app/data");
        return layout;
    }

    /** A one-layer image, tag {@code t}, with one file whose content is {@code text}. */
    public static Path single(Path work, String text) throws IOException {
        Path layout = work.resolve("single-layout");
        Cmd.run("umoci", "init", "--layout", layout.toString());
        Cmd.run("umoci", "new", "--image", layout + ":t");
        Path f = Files.createDirectories(work.resolve("single-src")).resolve("hello");
        Files.writeString(f, text);
        Cmd.run("umoci", "insert", "--image", layout + ":t", f.toString(), "/hello");
        return layout;
    }

    /** umoci's own unpacked root filesystem of a layout tag: the reference tree. */
    public static Path umociUnpack(Path layout, String tag, Path bundle) {
        Cmd.run("umoci", "unpack", "--image", layout + ":" + tag, bundle.toString());
        return bundle.resolve("rootfs");
    }
}
