package dev.ato.sandbox.nativeaccess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ato.sandbox.SandboxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The operations of the one native layer against the real kernel: their errors, and that they never follow a symlink. */
@Tag("kernel")
class NativeLayerTest {
    @TempDir
    Path dir;

    @Test
    void aFailedCallNamesTheCallThePathAndTheErrno() {
        String missing = dir.resolve("missing").toString();
        assertThatThrownBy(() -> Sys.openDirectory(missing))
                .isInstanceOf(SandboxException.class) // the sandbox's one unchecked root, as before
                .hasMessage("open(" + missing + "): ENOENT")
                .satisfies(e -> {
                    assertThat(((NativeException) e).errno()).isEqualTo(Errno.ENOENT);
                    assertThat(((NativeException) e).call()).isEqualTo("open");
                });
    }

    @Test
    void aSymlinkInADirectorysPlaceIsRefusedNotFollowed() throws Exception {
        Path target = Files.createDirectory(dir.resolve("target"));
        Files.createSymbolicLink(dir.resolve("link"), target);
        int root = Sys.openDirectory(dir.toString());
        try {
            assertThatThrownBy(() -> AtFiles.openDirectory(root, AtFiles.cstring("link")))
                    .isInstanceOf(NativeException.class)
                    .satisfies(e -> assertThat(((NativeException) e).errno()).isIn(Errno.ELOOP, Errno.ENOTDIR))
                    .hasMessageStartingWith("openat(link): ");
            assertThatThrownBy(() -> Sys.openDirectory(dir.resolve("link").toString()))
                    .hasMessageStartingWith("open(" + dir.resolve("link") + "): ");
            assertThat(AtFiles.isDirectory(root, AtFiles.cstring("link"))).isFalse();
            assertThat(AtFiles.isDirectory(root, AtFiles.cstring("target"))).isTrue();

            // Owner and times go to the link itself; the directory it points at keeps its own.
            FileTime before = Files.getLastModifiedTime(target);
            AtFiles.setTimes(root, AtFiles.cstring("link"), new long[] {1000, 0, 1000, 0});
            AtFiles.chown(root, AtFiles.cstring("link"), 4242, 4242);
            assertThat(Files.getLastModifiedTime(dir.resolve("link"), LinkOption.NOFOLLOW_LINKS).toMillis()).isEqualTo(1_000_000);
            assertThat(Files.getAttribute(dir.resolve("link"), "unix:uid", LinkOption.NOFOLLOW_LINKS)).isEqualTo(4242);
            assertThat(Files.getLastModifiedTime(target)).isEqualTo(before);
            assertThat(Files.getAttribute(target, "unix:uid")).isEqualTo(0);
        } finally {
            Sys.closeQuietly(root);
        }
    }

    @Test
    void aListingHasEveryNameByteForByteAndNeitherDotEntry() throws Exception {
        byte[] latin1 = {'n', (byte) 0xe9, 'e'}; // not UTF-8: must reach the kernel and come back unchanged
        int root = Sys.openDirectory(dir.toString());
        try {
            AtFiles.mkdir(root, AtFiles.cstring("sub"), 0755);
            Sys.closeQuietly(AtFiles.createFile(root, AtFiles.cstring(latin1), 0600));
            assertThatThrownBy(() -> AtFiles.createFile(root, AtFiles.cstring(latin1), 0600))
                    .satisfies(e -> assertThat(((NativeException) e).errno()).isEqualTo(Errno.EEXIST));

            List<byte[]> names = AtFiles.list(root);

            assertThat(names).extracting(n -> new String(n, StandardCharsets.ISO_8859_1))
                    .containsExactlyInAnyOrder("sub\0", "n\u00e9e\0");
            AtFiles.unlink(root, AtFiles.cstring(latin1));
            AtFiles.rmdir(root, AtFiles.cstring("sub"));
            assertThat(AtFiles.list(root)).isEmpty();
        } finally {
            Sys.closeQuietly(root);
        }
    }

    @Test
    void aPipeReadsWhatWasWrittenThenItsEnd() {
        int[] p = Sys.pipe();
        try {
            Sys.writeAll(p[1], "hi".getBytes(StandardCharsets.US_ASCII), "pipe");
            Sys.closeQuietly(p[1]);
            p[1] = -1;
            byte[] buf = new byte[8];
            assertThat(Sys.readOrEnd(p[0], buf, buf.length)).isEqualTo(2);
            assertThat(new String(buf, 0, 2, StandardCharsets.US_ASCII)).isEqualTo("hi");
            assertThat(Sys.readOrEnd(p[0], buf, buf.length)).isZero();
        } finally {
            Sys.closeQuietly(p[0]);
            Sys.closeQuietly(p[1]);
        }
    }

    @Test
    void aShortWriteToAControlFileIsAnError() {
        assertThat(new NativeException("write", "cpu.max", Errno.EIO_SHORT)).hasMessage("write(cpu.max): short write");
        assertThat(Errno.name(9999)).isEqualTo("errno 9999");
    }
}
