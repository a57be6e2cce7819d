package dev.ato.rootfs.layer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ato.rootfs.Cmd;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@Tag("kernel")
class LayerExtractorTest {
    @TempDir
    Path tmp;
    Path layer;
    Path outside;

    @BeforeEach
    void dirs() throws IOException {
        assumeTrue("root".equals(System.getProperty("user.name")), "extraction chowns, makes whiteout devices and trusted xattrs: needs root");
        layer = Files.createDirectory(tmp.resolve("layer"));
        outside = Files.createDirectory(tmp.resolve("outside"));
    }

    private static LayerExtractor extractor(long cap) {
        return new LayerExtractor(100000, 100000, 65536, cap);
    }

    private LayerExtractor.Result extract(byte[] tar) throws IOException {
        return extractor(1L << 30).extract(new ByteArrayInputStream(tar), layer, n -> { });
    }

    /** Builds a tar in memory; each consumer adds entries. */
    @SafeVarargs
    private static byte[] tar(Consumer<TarArchiveOutputStream>... parts) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream out = new TarArchiveOutputStream(bytes)) {
            out.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            out.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            for (Consumer<TarArchiveOutputStream> p : parts) p.accept(out);
        }
        return bytes.toByteArray();
    }

    private static Consumer<TarArchiveOutputStream> file(String name, String content, int mode, long uid, long gid) {
        return out -> {
            try {
                byte[] data = content.getBytes(StandardCharsets.UTF_8);
                TarArchiveEntry e = new TarArchiveEntry(name);
                e.setSize(data.length);
                e.setMode(mode);
                e.setUserId(uid);
                e.setGroupId(gid);
                e.setModTime(1_600_000_000_000L);
                out.putArchiveEntry(e);
                out.write(data);
                out.closeArchiveEntry();
            } catch (IOException ex) {
                throw new RuntimeException(ex);
            }
        };
    }

    private static Consumer<TarArchiveOutputStream> file(String name, String content) {
        return file(name, content, 0644, 0, 0);
    }

    private static Consumer<TarArchiveOutputStream> dir(String name, int mode) {
        return out -> {
            try {
                TarArchiveEntry e = new TarArchiveEntry(name.endsWith("/") ? name : name + "/");
                e.setMode(mode);
                e.setModTime(1_500_000_000_000L);
                out.putArchiveEntry(e);
                out.closeArchiveEntry();
            } catch (IOException ex) {
                throw new RuntimeException(ex);
            }
        };
    }

    private static Consumer<TarArchiveOutputStream> link(String name, String target, byte type) {
        return out -> {
            try {
                TarArchiveEntry e = new TarArchiveEntry(name, type);
                e.setLinkName(target);
                e.setModTime(1_600_000_000_000L);
                out.putArchiveEntry(e);
                out.closeArchiveEntry();
            } catch (IOException ex) {
                throw new RuntimeException(ex);
            }
        };
    }

    private static Consumer<TarArchiveOutputStream> special(String name, byte type) {
        return out -> {
            try {
                TarArchiveEntry e = new TarArchiveEntry(name, type);
                e.setMode(0644);
                e.setDevMajor(1);
                e.setDevMinor(3);
                out.putArchiveEntry(e);
                out.closeArchiveEntry();
            } catch (IOException ex) {
                throw new RuntimeException(ex);
            }
        };
    }

    private void assertOutsideUntouched() throws IOException {
        try (var s = Files.list(outside)) {
            assertThat(s).isEmpty();
        }
        try (var s = Files.list(tmp)) {
            assertThat(s.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("layer", "outside");
        }
    }

    @Test
    void dotDotPathIsRejectedAndNothingLandsOutside() throws IOException {
        byte[] t = tar(file("ok", "x"), file("../outside/escaped", "pwned"));
        assertThatThrownBy(() -> extract(t)).isInstanceOf(LayerRejectedException.class).hasMessageContaining("'..'");
        assertOutsideUntouched();
    }

    @Test
    void symlinkedParentDirectoryIsRejected() throws IOException {
        byte[] t = tar(link("evil", outside.toString(), TarConstants.LF_SYMLINK), file("evil/pwned", "x"));
        assertThatThrownBy(() -> extract(t)).isInstanceOf(LayerRejectedException.class).hasMessageContaining("symlink");
        assertOutsideUntouched();
    }

    @Test
    void relativeSymlinkClimbingOutIsNeverFollowed() throws IOException {
        byte[] t = tar(link("up", "../outside", TarConstants.LF_SYMLINK), dir("up", 0755), file("up/pwned", "x"));
        // A directory entry over a symlink replaces the link; it never writes through it.
        extract(t);
        assertThat(Files.isSymbolicLink(layer.resolve("up"))).isFalse();
        assertThat(layer.resolve("up/pwned")).hasContent("x");
        assertOutsideUntouched();
    }

    @Test
    void hardlinkToOutsideIsRejected() throws IOException {
        Files.writeString(outside.resolve("secret"), "s");
        Path secret = outside.resolve("secret");
        byte[] absolute = tar(link("h", secret.toString(), TarConstants.LF_LINK));
        assertThatThrownBy(() -> extract(absolute)).isInstanceOf(LayerRejectedException.class).hasMessageContaining("does not exist in the layer");
        byte[] viaSymlink = tar(link("s", outside.toString(), TarConstants.LF_SYMLINK), link("h", "s/secret", TarConstants.LF_LINK));
        assertThatThrownBy(() -> extract(viaSymlink)).isInstanceOf(LayerRejectedException.class).hasMessageContaining("symlink");
        byte[] dotdot = tar(link("h", "../outside/secret", TarConstants.LF_LINK));
        assertThatThrownBy(() -> extract(dotdot)).isInstanceOf(LayerRejectedException.class);
        assertThat(Files.readAttributes(secret, "unix:nlink").get("nlink")).isEqualTo(1);
    }

    @Test
    void absolutePathsStayInsideTheLayer() throws IOException {
        extract(tar(file("/abs/file", "in")));
        assertThat(layer.resolve("abs/file")).hasContent("in");
        assertOutsideUntouched();
    }

    private Path sparseTar(String size, String format, boolean withData) throws Exception {
        Path src = Files.createDirectories(tmp.resolve("src-" + size + format));
        Path big = src.resolve("big");
        Cmd.run("truncate", "-s", size, big.toString());
        if (withData) Files.writeString(big, "x\n", java.nio.file.StandardOpenOption.APPEND);
        Path t = tmp.resolve("sparse-" + size + "-" + format + ".tar");
        Cmd.run("tar", "--sparse", "--format=" + format, "-C", src.toString(), "-cf", t.toString(), "big");
        Files.delete(big);
        return t;
    }

    @Test
    void sparseTenGibibyteBombIsRejectedWithoutWriting() throws Exception {
        for (String format : new String[] {"gnu", "posix"}) {
            Path bomb = sparseTar("10G", format, false);
            assertThat(Files.size(bomb)).isLessThan(1 << 20);
            long start = System.nanoTime();
            try (InputStream in = Files.newInputStream(bomb)) {
                assertThatThrownBy(() -> extractor(1L << 30).extract(in, layer, n -> { })).isInstanceOf(LayerRejectedException.class);
            }
            assertThat(Files.exists(layer.resolve("big"))).isFalse();
            assertThat(System.nanoTime() - start).isLessThan(TimeUnit.SECONDS.toNanos(20));
        }
    }

    @Test
    void sparseFileOverTheCapIsRefusedByItsDeclaredSize() throws Exception {
        Path bomb = sparseTar("1536M", "posix", false);
        long start = System.nanoTime();
        try (InputStream in = Files.newInputStream(bomb)) {
            assertThatThrownBy(() -> extractor(1L << 30).extract(in, layer, n -> { }))
                    .isInstanceOf(LayerRejectedException.class).hasMessageContaining("size cap");
        }
        assertThat(Files.exists(layer.resolve("big"))).isFalse();
        // Refused from the declared size, not after writing a gigabyte of zeros.
        assertThat(System.nanoTime() - start).isLessThan(TimeUnit.SECONDS.toNanos(5));
    }

    @Test
    void smallSparseFileIsExtractedWithItsContent() throws Exception {
        Path t = sparseTar("1M", "posix", true);
        try (InputStream in = Files.newInputStream(t)) {
            extractor(1L << 30).extract(in, layer, n -> { });
        }
        byte[] content = Files.readAllBytes(layer.resolve("big"));
        assertThat(content).hasSize((1 << 20) + 2);
        assertThat(content[0]).isZero();
        assertThat(new String(content, 1 << 20, 2, StandardCharsets.UTF_8)).isEqualTo("x\n");
    }

    /** Blocks of 512 bytes the file takes on disk (st_blocks), from stat(1). */
    private static long diskBlocks(Path p) {
        return Long.parseLong(Cmd.run("stat", "-c", "%b", p.toString()).trim());
    }

    @Test
    void sparseGibibyteFilesStayHolesInEverySparseFormat() throws Exception {
        // gnu: old GNU 'S' headers (3 GiB); posix with GNU tar's default PAX 0.0 map, 0.1 and 1.0 (the map in the
        // data): Commons Compress reads PAX sparse sizes as ints, so those stay under 2 GiB (see the README's limits).
        String[][] formats = {{"gnu", null, "3G"}, {"posix", null, "2000M"}, {"posix", "0.1", "2000M"}, {"posix", "1.0", "2000M"}};
        for (String[] f : formats) {
            Path src = Files.createDirectories(tmp.resolve("src3g-" + f[0] + f[1]));
            Path big = src.resolve("big");
            Cmd.run("truncate", "-s", f[2], big.toString());
            long size = Files.size(big);
            try (var ch = java.nio.channels.FileChannel.open(big, java.nio.file.StandardOpenOption.WRITE)) {
                ch.write(java.nio.ByteBuffer.wrap("middle".getBytes(StandardCharsets.UTF_8)), 1L << 30);
            }
            Path t = tmp.resolve("sparse3g-" + f[0] + f[1] + ".tar");
            List<String> cmd = new java.util.ArrayList<>(List.of("tar", "--sparse", "--format=" + f[0]));
            if (f[1] != null) cmd.add("--sparse-version=" + f[1]);
            cmd.addAll(List.of("-C", src.toString(), "-cf", t.toString(), "big"));
            Cmd.run(cmd);
            Files.delete(big);
            assertThat(Files.size(t)).isLessThan(64 << 10);
            Path out = Files.createDirectory(tmp.resolve("out-" + f[0] + f[1]));
            long start = System.nanoTime();
            LayerExtractor.Result r;
            try (InputStream in = Files.newInputStream(t)) {
                r = extractor(16L << 30).extract(in, out, n -> { });
            }
            String what = f[0] + " " + f[1];
            assertThat(System.nanoTime() - start).as(what).isLessThan(TimeUnit.SECONDS.toNanos(10));
            Path got = out.resolve("big");
            assertThat(Files.size(got)).as(what).isEqualTo(size);
            assertThat(diskBlocks(got)).as(what).isLessThan(1024);
            assertThat(r.writtenBytes()).as(what).isLessThanOrEqualTo(64 << 10);
            try (var ch = java.nio.channels.FileChannel.open(got)) {
                java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(6);
                ch.read(b, 1L << 30);
                assertThat(new String(b.array(), StandardCharsets.UTF_8)).as(what).isEqualTo("middle");
            }
        }
    }

    @Test
    void longZeroRunsOfAPlainEntryAreWrittenAsHoles() throws IOException {
        byte[] data = new byte[8 << 20];
        data[0] = 'a';
        data[data.length - 1] = 'z';
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream out = new TarArchiveOutputStream(bytes)) {
            TarArchiveEntry e = new TarArchiveEntry("zeros");
            e.setSize(data.length);
            out.putArchiveEntry(e);
            out.write(data);
            out.closeArchiveEntry();
        }
        LayerExtractor.Result r = extract(bytes.toByteArray());
        assertThat(Files.readAllBytes(layer.resolve("zeros"))).isEqualTo(data);
        assertThat(diskBlocks(layer.resolve("zeros")) * 512).isLessThanOrEqualTo(64 << 10);
        assertThat(r.writtenBytes()).isEqualTo(2 * HoleWriter.BLOCK);
        assertThat(r.contentBytes()).isEqualTo(data.length);
    }

    @Test
    void budgetIsChargedEachEntryAndEachWrittenRun() throws IOException {
        List<String> charged = new java.util.ArrayList<>();
        LayerBudget budget = new LayerBudget() {
            @Override
            public void entry(String name) {
                charged.add("entry " + name);
            }

            @Override
            public void bytes(String name, long n) {
                charged.add("bytes " + name + " " + n);
                if (name.equals("second")) throw new LayerRejectedException("over budget at " + name);
            }
        };
        byte[] t = tar(file("first", "1", 0644, 0, 0), file("second", "22", 0644, 0, 0));
        assertThatThrownBy(() -> new LayerExtractor(100000, 100000, 65536, 1L << 30, budget).extract(new ByteArrayInputStream(t), layer, n -> { }))
                .isInstanceOf(LayerRejectedException.class).hasMessage("over budget at second");
        assertThat(charged).containsExactly("entry first", "bytes first 1", "entry second", "bytes second 2");
    }

    @Test
    void compressedBombStopsAtTheStreamCap() throws IOException {
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
            out.write(tar(file("a", "x")));
            out.write(new byte[64 << 20]);
        }
        assertThat(gz.size()).isLessThan(1 << 20);
        try (InputStream in = Compression.decompress(new ByteArrayInputStream(gz.toByteArray()))) {
            assertThatThrownBy(() -> extractor(16 << 20).extract(in, layer, n -> { }))
                    .isInstanceOf(LayerRejectedException.class).hasMessageContaining("size cap");
        }
    }

    @Test
    void whiteoutsAndOpaqueDirectoriesTakeOverlayfsForm() throws IOException {
        extract(tar(dir("etc", 0755), file("etc/.wh.gone", ""), dir("opt", 0755), file("opt/.wh..wh..opq", ""), file("opt/kept", "k"),
                file(".wh..wh.plnk", "")));
        Map<String, Object> a = Files.readAttributes(layer.resolve("etc/gone"), "unix:mode,rdev", LinkOption.NOFOLLOW_LINKS);
        assertThat((Integer) a.get("mode") & 0170000).isEqualTo(0020000);
        assertThat(a.get("rdev")).isEqualTo(0L);
        assertThat(FileOps.readXattr(layer.resolve("opt"), "trusted.overlay.opaque")).isEqualTo("y");
        assertThat(FileOps.readXattr(layer.resolve("etc"), "trusted.overlay.opaque")).isEmpty();
        assertThat(layer.resolve("opt/kept")).hasContent("k");
        assertThat(Files.exists(layer.resolve(".wh..wh.plnk"), LinkOption.NOFOLLOW_LINKS)).isFalse();
    }

    @Test
    void ownersAreShiftedAndModesTimesAndLinksKept() throws IOException {
        LayerExtractor.Result r = extract(tar(
                dir("./", 0755),
                dir("bin", 0755),
                file("bin/su", "suid", 04755, 0, 0),
                file("home/u/f", "mine", 0600, 1000, 1000),
                file("far", "big ids", 0644, 70000, 70000),
                link("bin/su2", "bin/su", TarConstants.LF_LINK),
                link("bin/sh", "su", TarConstants.LF_SYMLINK),
                special("dev/null", TarConstants.LF_CHR),
                special("fifo", TarConstants.LF_FIFO)));
        assertThat(r.entries()).isEqualTo(9);
        assertThat(r.diffId()).startsWith("sha256:");
        Map<String, Object> su = Files.readAttributes(layer.resolve("bin/su"), "unix:mode,uid,gid,ino,lastModifiedTime", LinkOption.NOFOLLOW_LINKS);
        assertThat((Integer) su.get("mode") & 07777).isEqualTo(04755);
        assertThat(su.get("uid")).isEqualTo(100000);
        assertThat(su.get("lastModifiedTime").toString()).startsWith("2020-09-13");
        assertThat(Files.readAttributes(layer.resolve("bin/su2"), "unix:ino")).containsEntry("ino", su.get("ino"));
        assertThat(Files.readAttributes(layer.resolve("home/u/f"), "unix:uid,gid")).containsEntry("uid", 101000).containsEntry("gid", 101000);
        assertThat(Files.readAttributes(layer.resolve("home"), "unix:uid,mode")).containsEntry("uid", 100000);
        assertThat(Files.readAttributes(layer.resolve("far"), "unix:uid")).containsEntry("uid", 165534);
        assertThat(Files.readSymbolicLink(layer.resolve("bin/sh")).toString()).isEqualTo("su");
        assertThat(Files.readAttributes(layer.resolve("bin/sh"), "unix:uid", LinkOption.NOFOLLOW_LINKS)).containsEntry("uid", 100000);
        assertThat(Files.exists(layer.resolve("dev/null"), LinkOption.NOFOLLOW_LINKS)).isFalse();
        assertThat((Integer) Files.getAttribute(layer.resolve("fifo"), "unix:mode", LinkOption.NOFOLLOW_LINKS) & 0170000).isEqualTo(0010000);
        assertThat(Files.readAttributes(layer, "unix:uid")).containsEntry("uid", 100000);
        assertThat(Files.getLastModifiedTime(layer.resolve("bin")).toString()).startsWith("2017-07-14");
    }

    @Test
    void laterEntriesReplaceEarlierOnes() throws IOException {
        extract(tar(file("a", "file"), dir("a", 0755), file("a/x", "1"), file("a", "file again"),
                link("l", "/etc", TarConstants.LF_SYMLINK), file("l", "not a link")));
        assertThat(layer.resolve("a")).hasContent("file again");
        assertThat(Files.isSymbolicLink(layer.resolve("l"))).isFalse();
        assertThat(layer.resolve("l")).hasContent("not a link");
    }

    @Test
    void diffIdIsTheDigestOfTheWholeStream() throws Exception {
        byte[] t = tar(file("a", "x"));
        String expected = "sha256:" + java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(t));
        assertThat(extract(t).diffId()).isEqualTo(expected);
    }
}
