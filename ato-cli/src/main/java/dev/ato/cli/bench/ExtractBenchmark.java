package dev.ato.cli.bench;

import dev.ato.rootfs.layer.FileOps;
import dev.ato.rootfs.layer.LayerExtractor;
import dev.ato.rootfs.layer.Sha256;
import dev.ato.rootfs.registry.Digests;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * Extraction throughput of one large layer: GNU {@code tar -x}, {@code umoci unpack} and this store's
 * {@link LayerExtractor}, on the same uncompressed layer file, in the same run, each repeated and the
 * median taken. The layer is synthetic but shaped like a distribution layer (many small files in many
 * directories, a few large ones, symlinks and hard links), generated from a fixed seed so every run
 * measures the same bytes. Run as root (all three keep owners).
 */
public final class ExtractBenchmark {
    private ExtractBenchmark() { }

    /** One contender's timings: median wall-clock seconds, median CPU seconds (user + system), throughput. */
    public record Result(String name, double medianSeconds, double medianCpuSeconds, double mbPerSecond) { }

    /** Command-line entry: {@code [WORKDIR [MEGABYTES [REPEATS [gzip]]]]}. */
    public static void main(String[] args) throws Exception {
        Path work = args.length > 0 ? Path.of(args[0]) : Files.createTempDirectory("ato-bench-extract");
        long mb = args.length > 1 ? Long.parseLong(args[1]) : 200;
        int repeats = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        boolean gzip = args.length > 3 && args[3].equals("gzip");
        run(work, mb << 20, repeats, gzip, System.out);
    }

    /**
     * Generates the layer under {@code work}, times each contender {@code repeats} times, interleaved,
     * after warming the JIT and the page cache, and prints a table; returns the results, tar first.
     * Wall-clock time is what a user waits; CPU time is the steadier figure on a shared machine.
     */
    public static List<Result> run(Path work, long targetBytes, int repeats, boolean gzip, PrintStream out) throws Exception {
        Files.createDirectories(work);
        Path tarFile = work.resolve("layer.tar");
        long[] stats = generate(tarFile, targetBytes);
        long size = Files.size(tarFile);
        String diffId = sha256(tarFile);
        Path layer = tarFile;
        if (gzip) {
            layer = work.resolve("layer.tar.gz");
            try (InputStream in = Files.newInputStream(tarFile); OutputStream o = new java.util.zip.GZIPOutputStream(new BufferedOutputStream(Files.newOutputStream(layer), 1 << 20), 1 << 16)) {
                in.transferTo(o);
            }
            Files.delete(tarFile);
        }
        out.printf("layer: %s, %.1f MB uncompressed%s, %d files, %d directories, %d links%n", layer, size / 1e6,
                gzip ? String.format(" (%.1f MB gzip)", Files.size(layer) / 1e6) : "", stats[0], stats[1], stats[2]);
        Path layout = ociLayout(work.resolve("oci"), layer, diffId, gzip);

        for (int i = 0; i < 3; i++) timeOurs(layer, work.resolve("warm"));
        timeTar(layer, work.resolve("warm"));

        boolean haveUmoci = hasProgram("umoci");
        double[][] tar = new double[2][repeats];
        double[][] umoci = new double[2][repeats];
        double[][] ours = new double[2][repeats];
        for (int i = 0; i < repeats; i++) {
            put(tar, i, timeTar(layer, work.resolve("tar")));
            if (haveUmoci) put(umoci, i, timeUmoci(layout, work.resolve("umoci")));
            put(ours, i, timeOurs(layer, work.resolve("ours")));
        }
        List<Result> results = new ArrayList<>();
        results.add(result(gzip ? "tar -xz" : "tar -x", tar, size));
        if (haveUmoci) results.add(result("umoci unpack", umoci, size));
        results.add(result("ato LayerExtractor", ours, size));
        Result base = results.get(0);
        out.printf("%-20s %8s %8s %8s %8s %8s%n", "extractor", "wall s", "MB/s", "vs tar", "cpu s", "vs tar");
        for (Result r : results) {
            out.printf("%-20s %8.2f %8.1f %7.2fx %8.2f %7.2fx%n", r.name(), r.medianSeconds(), r.mbPerSecond(),
                    r.medianSeconds() / base.medianSeconds(), r.medianCpuSeconds(), r.medianCpuSeconds() / base.medianCpuSeconds());
        }
        out.printf("(medians of %d interleaved runs; the ato extractor also hashes the layer (sha256 diff_id), shifts owners by 100000 "
                + "and writes overlayfs whiteouts; its CPU time counts every JVM thread)%n", repeats);
        FileOps.deleteTree(work.resolve("warm"));
        // The layer and its layout are some hundreds of MB: gone once measured.
        FileOps.deleteTree(work.resolve("oci"));
        Files.deleteIfExists(layer);
        return results;
    }

    private static void put(double[][] into, int i, double[] wallCpu) {
        into[0][i] = wallCpu[0];
        into[1][i] = wallCpu[1];
    }

    private static Result result(String name, double[][] secs, long size) {
        double wall = median(secs[0]);
        return new Result(name, wall, median(secs[1]), size / 1e6 / wall);
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    private static boolean hasProgram(String name) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, name))) return true;
        }
        return false;
    }

    private static double[] timeTar(Path layer, Path dir) throws Exception {
        FileOps.deleteTree(dir);
        Files.createDirectories(dir);
        settle(dir);
        String z = layer.toString().endsWith(".gz") ? "z" : "";
        double[] r = timeCommand("tar -x" + z + " --same-owner -p -f '" + layer + "' -C '" + dir + "'");
        FileOps.deleteTree(dir);
        return r;
    }

    private static double[] timeUmoci(Path layout, Path bundle) throws Exception {
        FileOps.deleteTree(bundle);
        settle(bundle.getParent());
        double[] r = timeCommand("umoci unpack --image '" + layout + ":t' '" + bundle + "'");
        FileOps.deleteTree(bundle);
        return r;
    }

    private static double[] timeOurs(Path layer, Path dir) throws IOException {
        FileOps.deleteTree(dir);
        Files.createDirectories(dir);
        settle(dir);
        long cpu = cpuNanos();
        long t = System.nanoTime();
        try (InputStream in = dev.ato.rootfs.layer.Compression.decompress(new BufferedInputStream(Files.newInputStream(layer), 1 << 16))) {
            new LayerExtractor(100000, 100000, 65536, 16L << 30).extract(in, dir, n -> { });
        }
        double[] r = {(System.nanoTime() - t) / 1e9, (cpuNanos() - cpu) / 1e9};
        FileOps.deleteTree(dir);
        return r;
    }

    private static long cpuNanos() {
        return ProcessHandle.current().info().totalCpuDuration().map(java.time.Duration::toNanos).orElse(0L);
    }

    /** Runs a shell command line under bash's {@code time}; returns {wall, user + sys} seconds. */
    private static double[] timeCommand(String commandLine) throws Exception {
        long t = System.nanoTime();
        Process p = new ProcessBuilder("bash", "-c", "TIMEFORMAT='%U %S'; { time " + commandLine + " >/dev/null 2>&1; } 2>&1")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (!p.waitFor(30, TimeUnit.MINUTES) || p.exitValue() != 0) throw new IOException(commandLine + " failed: " + out);
        double wall = (System.nanoTime() - t) / 1e9;
        String[] us = out.substring(out.lastIndexOf('\n') + 1).trim().split(" ");
        return new double[] {wall, Double.parseDouble(us[0]) + Double.parseDouble(us[1])};
    }

    private static Path dir(Path p) {
        return p.getParent();
    }

    /**
     * Writes back what the previous contender left dirty, so no run pays for another's writeback (the
     * contenders run back to back and each writes the whole layer).
     */
    private static void settle(Path dir) throws IOException {
        FileOps.syncFileSystem(dir);
    }

    /**
     * Writes a synthetic layer of about {@code target} bytes; returns {files, directories, links}. Sizes
     * follow a long-tailed mix (most files a few KiB, a few MiB-sized), contents are half text-like and
     * half random so that gzip'd variants would compress realistically.
     */
    static long[] generate(Path file, long target) throws IOException {
        Random rnd = new Random(20260101);
        long files = 0;
        long dirs = 0;
        long links = 0;
        byte[] noise = new byte[4 << 20];
        rnd.nextBytes(noise);
        byte[] text = "the quick brown fox jumps over the lazy dog; lorem ipsum dolor sit amet\n".repeat(60000).getBytes(StandardCharsets.US_ASCII);
        try (OutputStream raw = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20);
             TarArchiveOutputStream tar = new TarArchiveOutputStream(raw)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            long written = 0;
            int d = 0;
            while (written < target) {
                String dir = "usr/lib/pkg" + (d / 40) + "/sub" + d;
                TarArchiveEntry de = new TarArchiveEntry(dir + "/");
                de.setMode(0755);
                tar.putArchiveEntry(de);
                tar.closeArchiveEntry();
                dirs++;
                for (int f = 0; f < 40 && written < target; f++) {
                    double r = rnd.nextDouble();
                    int size = r < 0.6 ? 512 + rnd.nextInt(8192) : r < 0.95 ? 8192 + rnd.nextInt(65536) : r < 0.995 ? 65536 + rnd.nextInt(1 << 20) : (1 << 20) + rnd.nextInt(3 << 20);
                    byte[] src = rnd.nextBoolean() ? noise : text;
                    int off = rnd.nextInt(src.length - size);
                    TarArchiveEntry fe = new TarArchiveEntry(dir + "/file" + f + (r < 0.3 ? ".so" : ".dat"));
                    fe.setSize(size);
                    fe.setMode(r < 0.2 ? 0755 : 0644);
                    fe.setUserId(rnd.nextInt(10) == 0 ? 1000 : 0);
                    fe.setModTime(1_700_000_000_000L);
                    tar.putArchiveEntry(fe);
                    tar.write(src, off, size);
                    tar.closeArchiveEntry();
                    written += size + 512;
                    files++;
                    if (f % 10 == 9) {
                        TarArchiveEntry le = new TarArchiveEntry(dir + "/link" + f, r < 0.5 ? TarArchiveEntry.LF_SYMLINK : TarArchiveEntry.LF_LINK);
                        le.setLinkName(r < 0.5 ? "file" + f + (r < 0.3 ? ".so" : ".dat") : fe.getName());
                        tar.putArchiveEntry(le);
                        tar.closeArchiveEntry();
                        links++;
                    }
                }
                d++;
            }
        }
        return new long[] {files, dirs, links};
    }

    private static String sha256(Path file) throws Exception {
        MessageDigest md = Sha256.newDigest();
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 20];
            int n;
            while ((n = in.read(buf)) > 0) md.update(buf, 0, n);
        }
        return Sha256.format(md.digest());
    }

    /** An OCI layout holding the layer (as is: plain or gzip), for umoci. */
    private static Path ociLayout(Path dir, Path layer, String diffId, boolean gzip) throws Exception {
        FileOps.deleteTree(dir);
        Path blobs = Files.createDirectories(dir.resolve("blobs/sha256"));
        String layerDigest = gzip ? sha256(layer) : diffId;
        Files.createLink(blobs.resolve(layerDigest.substring(7)), layer);
        byte[] config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" + diffId + "\"]}}").getBytes(StandardCharsets.UTF_8);
        String configDigest = Digests.sha256(config);
        Files.write(blobs.resolve(configDigest.substring(7)), config);
        byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\""
                + configDigest + "\",\"size\":" + config.length + "},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar" + (gzip ? "+gzip" : "") + "\",\"digest\":\"" + layerDigest
                + "\",\"size\":" + Files.size(layer) + "}]}").getBytes(StandardCharsets.UTF_8);
        String manifestDigest = Digests.sha256(manifest);
        Files.write(blobs.resolve(manifestDigest.substring(7)), manifest);
        Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        Files.writeString(dir.resolve("index.json"), "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\""
                + manifestDigest + "\",\"size\":" + manifest.length + ",\"annotations\":{\"org.opencontainers.image.ref.name\":\"t\"}}]}");
        return dir;
    }
}
