package dev.ato.cli.bench;

import dev.ato.sandbox.CompletedRun;
import dev.ato.sandbox.Image;
import dev.ato.sandbox.RunSpec;
import dev.ato.sandbox.Sandbox;
import dev.ato.sandbox.SandboxConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * The sandbox benchmark (a command, not a test): N isolated {@code /bin/true} runs through the library at
 * concurrency 1 and 8, and the same with bubblewrap spawned from this JVM, then p50/p99 latency and runs/s.
 *
 * <p>Usage: {@code SandboxBench [--runs N] [--out FILE] [--state-dir DIR] [--cgroup NAME]}. The last line
 * printed is machine-readable:
 * {@code sandbox p50=<ms> p99=<ms> rps=<runs/s> bwrap_p50=<ms> bwrap_rps=<runs/s>} (p50/p99 at concurrency 1,
 * runs/s at concurrency 8).
 */
public final class SandboxBench {
    private SandboxBench() { }

    /** Latencies of one series, in nanoseconds, and its wall time. */
    private record Series(String name, int concurrency, long[] latencies, long wallNanos) {
        double pct(double p) {
            if (latencies[0] < 0) return Double.NaN;
            long[] s = latencies.clone();
            Arrays.sort(s);
            int i = (int) Math.ceil(p / 100.0 * s.length) - 1;
            return s[Math.max(0, Math.min(s.length - 1, i))] / 1e6;
        }

        double rps() {
            if (latencies[0] < 0) return Double.NaN;
            return latencies.length / (wallNanos / 1e9);
        }
    }

    /** A unit of work measured by the benchmark. */
    @FunctionalInterface
    private interface Work {
        void once() throws Exception;
    }

    /**
     * Runs the benchmark.
     *
     * @param args {@code --runs N} (default 500), {@code --out FILE}, {@code --state-dir DIR}, {@code --cgroup NAME}
     */
    public static void main(String[] args) throws Exception {
        int runs = 500;
        Path out = null;
        SandboxConfig config = SandboxConfig.builder().cgroupName("ato-bench").stateDir(Path.of("/run/ato-bench"))
                .build();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String v = i + 1 < args.length ? args[i + 1] : null;
            switch (a) {
                case "--runs" -> { runs = Integer.parseInt(need(a, v)); i++; }
                case "--out" -> { out = Path.of(need(a, v)); i++; }
                case "--state-dir" -> { config = config.toBuilder().stateDir(Path.of(need(a, v))).build(); i++; }
                case "--cgroup" -> { config = config.toBuilder().cgroupName(need(a, v)).build(); i++; }
                case "-h", "--help" -> {
                    System.out.println("usage: SandboxBench [--runs N] [--out FILE] [--state-dir DIR] [--cgroup NAME]");
                    return;
                }
                default -> throw new IllegalArgumentException("unknown argument: " + a);
            }
        }
        if (runs < 1) throw new IllegalArgumentException("--runs must be positive");

        List<Series> results = new ArrayList<>();
        try (Sandbox sandbox = Sandbox.create(config)) {
            RunSpec spec = RunSpec.builder().image(Image.host()).command("/bin/true").build();
            Work run = () -> {
                CompletedRun r = sandbox.run(spec);
                if (!r.result().succeeded()) throw new IllegalStateException("run failed: " + r.result() + " " + r.stderrText());
            };
            series("sandbox", 1, Math.min(50, runs), run); // warm-up: JIT, page cache
            results.add(series("sandbox", 1, runs, run));
            results.add(series("sandbox", 8, runs, run));
        }
        List<String> bwrap = bwrapCommand();
        Work bw = () -> {
            Process p = new ProcessBuilder(bwrap).redirectErrorStream(true).start();
            byte[] o = p.getInputStream().readAllBytes();
            if (p.waitFor() != 0) throw new IllegalStateException("bwrap failed: " + new String(o));
        };
        boolean haveBwrap = true;
        try {
            series("bwrap", 1, Math.min(20, runs), bw);
        } catch (java.util.concurrent.ExecutionException e) {
            if (!(e.getCause() instanceof IOException)) throw e;
            System.err.println("bwrap could not be started (install Debian's bubblewrap): " + e.getCause().getMessage());
            haveBwrap = false;
        }
        if (haveBwrap) {
            results.add(series("bwrap", 1, runs, bw));
            results.add(series("bwrap", 8, runs, bw));
        } else {
            results.add(new Series("bwrap", 1, new long[] {-1}, 1));
            results.add(new Series("bwrap", 8, new long[] {-1}, 1));
        }

        StringBuilder table = new StringBuilder();
        table.append(String.format(Locale.ROOT, "/bin/true, %d runs per row, %d CPUs, load average %s%n", runs,
                Runtime.getRuntime().availableProcessors(), loadAverage()));
        table.append(String.format(Locale.ROOT, "| %-8s | %11s | %8s | %8s | %8s |%n", "what", "concurrency", "p50 ms", "p99 ms", "runs/s"));
        table.append("|----------|-------------|----------|----------|----------|\n");
        for (Series s : results) {
            table.append(String.format(Locale.ROOT, "| %-8s | %11d | %8.2f | %8.2f | %8.1f |%n", s.name, s.concurrency, s.pct(50), s.pct(99), s.rps()));
        }
        Series s1 = results.get(0);
        Series s8 = results.get(1);
        Series b1 = results.get(2);
        Series b8 = results.get(3);
        String line = String.format(Locale.ROOT, "sandbox p50=%.2f p99=%.2f rps=%.1f bwrap_p50=%.2f bwrap_rps=%.1f",
                s1.pct(50), s1.pct(99), s8.rps(), b1.pct(50), b8.rps());
        table.append(line).append('\n');
        System.out.print(table);
        if (out != null) Files.writeString(out, table);
    }

    private static String need(String flag, String value) {
        if (value == null) throw new IllegalArgumentException(flag + " needs a value");
        return value;
    }

    private static Series series(String name, int concurrency, int runs, Work work) throws Exception {
        long[] lat = new long[runs];
        ExecutorService pool = Executors.newFixedThreadPool(concurrency);
        try {
            long t0 = System.nanoTime();
            List<Future<?>> fs = new ArrayList<>();
            java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
            for (int c = 0; c < concurrency; c++) {
                fs.add(pool.submit(() -> {
                    for (int i; (i = next.getAndIncrement()) < runs; ) {
                        long s = System.nanoTime();
                        work.once();
                        lat[i] = System.nanoTime() - s;
                    }
                    return null;
                }));
            }
            for (Future<?> f : fs) f.get();
            return new Series(name, concurrency, lat, System.nanoTime() - t0);
        } finally {
            pool.shutdownNow();
            pool.awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    /** bwrap with every namespace, the host's /usr read-only, /proc and /dev, as close to our container as it goes. */
    private static List<String> bwrapCommand() throws IOException {
        List<String> cmd = new ArrayList<>(List.of("bwrap", "--unshare-all", "--die-with-parent", "--ro-bind", "/usr", "/usr"));
        for (String d : List.of("bin", "sbin", "lib", "lib32", "lib64", "libx32")) {
            Path p = Path.of("/", d);
            if (Files.isSymbolicLink(p)) cmd.addAll(List.of("--symlink", Files.readSymbolicLink(p).toString(), "/" + d));
            else if (Files.isDirectory(p)) cmd.addAll(List.of("--ro-bind", "/" + d, "/" + d));
        }
        cmd.addAll(List.of("--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "/bin/true"));
        return cmd;
    }

    private static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "?";
        }
    }
}
