package dev.ato.cli;

import dev.ato.languages.Language;
import dev.ato.languages.LanguageCatalog;
import dev.ato.protocol.ExecuteRequest;
import dev.ato.protocol.ServerMessage;
import dev.ato.sandbox.Image;
import dev.ato.sandbox.RunSpec;
import dev.ato.sandbox.Sandbox;
import dev.ato.server.AtoServer;
import dev.ato.server.ServerConfig;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The server benchmark: end-to-end latency of a bash {@code true} run over one reused WebSocket (request sent
 * to Done received), and runs per second with several clients at once, each on its own WebSocket.
 */
final class ServerBench {
    private ServerBench() { }

    /** Results of one benchmark. */
    record Result(int serialRuns, double directP50Ms, double p50Ms, double p90Ms, double p99Ms, double maxMs, int clients,
            long parallelRuns, double runsPerSecond, double directRunsPerSecond) { }

    /**
     * Measures. With {@code direct} (a sandbox in this process), every server run is paired with the same run
     * through the Sandbox API, interleaved, so that both see the same machine load and the difference is the
     * server's own cost.
     */
    static Result run(URI server, int serialRuns, int clients, Duration parallelTime, Optional<Sandbox> direct)
            throws Exception {
        ExecuteRequest req = ExecuteRequest.builder("bash").code("true").build();
        long[] lat = new long[serialRuns];
        long[] directLat = new long[serialRuns];
        RunSpec spec = directSpec();
        try (RawWsClient ws = new RawWsClient(server)) {
            for (int i = 0; i < Math.min(50, serialRuns); i++) {
                check(ws.runToDone(req));
                if (direct.isPresent()) direct.get().run(spec);
            }
            for (int i = 0; i < serialRuns; i++) {
                long t0 = System.nanoTime();
                check(ws.runToDone(req));
                lat[i] = System.nanoTime() - t0;
                if (direct.isPresent()) {
                    long t1 = System.nanoTime();
                    if (!direct.get().run(spec).result().succeeded()) throw new IllegalStateException("bash true failed in the sandbox");
                    directLat[i] = System.nanoTime() - t1;
                }
            }
        }
        Arrays.sort(lat);
        Arrays.sort(directLat);
        double[] rps = parallel(clients, parallelTime, (end, count) -> {
            try (RawWsClient ws = new RawWsClient(server)) {
                while (System.nanoTime() < end) {
                    check(ws.runToDone(req));
                    count.incrementAndGet();
                }
            }
        });
        double directRps = -1;
        if (direct.isPresent()) {
            directRps = parallel(clients, parallelTime, (end, count) -> {
                while (System.nanoTime() < end) {
                    if (!direct.get().run(spec).result().succeeded()) throw new IllegalStateException("bash true failed in the sandbox");
                    count.incrementAndGet();
                }
            })[0];
        }
        return new Result(serialRuns, direct.isPresent() ? pct(directLat, 0.50) : -1, pct(lat, 0.50), pct(lat, 0.90),
                pct(lat, 0.99), lat[lat.length - 1] / 1e6, clients, (long) rps[1], rps[0], directRps);
    }

    /** What one benchmark client does until {@code end} (a nanoTime), counting its runs. */
    private interface ClientLoop {
        void run(long end, AtomicLong count) throws Exception;
    }

    /** Runs {@code clients} threads of the loop for {@code time}; returns {runs per second, runs}. */
    private static double[] parallel(int clients, Duration time, ClientLoop loop) throws InterruptedException {
        AtomicLong count = new AtomicLong();
        List<Thread> threads = new ArrayList<>();
        List<Throwable> errors = java.util.Collections.synchronizedList(new ArrayList<>());
        long end = System.nanoTime() + time.toNanos();
        long t0 = System.nanoTime();
        for (int c = 0; c < clients; c++) {
            threads.add(Thread.ofPlatform().name("bench-client-" + c).start(() -> {
                try {
                    loop.run(end, count);
                } catch (Throwable e) {
                    errors.add(e);
                }
            }));
        }
        for (Thread t : threads) t.join();
        double seconds = (System.nanoTime() - t0) / 1e9;
        if (!errors.isEmpty()) throw new IllegalStateException("a benchmark client failed: " + errors.get(0), errors.get(0));
        return new double[] {count.get() / seconds, count.get()};
    }

    private static void check(ServerMessage.Finished f) {
        if (!f.done().succeeded()) throw new IllegalStateException("bash true did not succeed: " + f.done());
    }

    private static double pct(long[] sorted, double p) {
        int i = (int) Math.ceil(p * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))] / 1e6;
    }

    /** Runs against {@code url}, or against a server started here, and prints the table. */
    static int main(Optional<URI> url, int serialRuns, int clients, Duration parallelTime) throws Exception {
        AtoServer local = null;
        Sandbox sandbox = null;
        URI target;
        if (url.isPresent()) {
            target = url.get();
        } else {
            ServerConfig cfg = ServerConfig.load(Optional.empty()).toBuilder().port(0).build();
            sandbox = Sandbox.create(cfg.sandboxConfig());
            local = AtoServer.builder(cfg).sandbox(sandbox).start();
            target = local.uri();
        }
        try {
            Result r = run(target, serialRuns, clients, parallelTime, Optional.ofNullable(sandbox));
            double[] load = loadAverage();
            System.out.printf(Locale.ROOT, "ATO server benchmark: bash `true` over WebSocket, %s, %d CPUs, load average %.2f%n",
                    target, Runtime.getRuntime().availableProcessors(), load[0]);
            System.out.println("| measure | value | target |");
            System.out.println("|---|---|---|");
            if (r.directP50Ms() >= 0) {
                System.out.printf(Locale.ROOT, "| p50, the same run through the Sandbox API (no server), interleaved | %.2f ms | |%n", r.directP50Ms());
            }
            System.out.printf(Locale.ROOT, "| p50 latency (%d serial runs, one reused WebSocket) | %.2f ms | <= 6 ms |%n", r.serialRuns(), r.p50Ms());
            System.out.printf(Locale.ROOT, "| p90 latency | %.2f ms | |%n", r.p90Ms());
            System.out.printf(Locale.ROOT, "| p99 latency | %.2f ms | |%n", r.p99Ms());
            System.out.printf(Locale.ROOT, "| max latency | %.2f ms | |%n", r.maxMs());
            System.out.printf(Locale.ROOT, "| throughput, %d clients (%d runs) | %.0f runs/s | >= 150 runs/s |%n",
                    r.clients(), r.parallelRuns(), r.runsPerSecond());
            if (r.directRunsPerSecond() >= 0) {
                System.out.printf(Locale.ROOT, "| throughput, %d threads on the Sandbox API (no server), right after | %.0f runs/s | |%n",
                        r.clients(), r.directRunsPerSecond());
            }
            System.out.printf(Locale.ROOT, "BENCH server p50_ms=%.3f p99_ms=%.3f runs_per_s=%.1f clients=%d direct_p50_ms=%.3f direct_runs_per_s=%.1f%n",
                    r.p50Ms(), r.p99Ms(), r.runsPerSecond(), r.clients(), r.directP50Ms(), r.directRunsPerSecond());
            return 0;
        } finally {
            if (local != null) local.close();
            if (sandbox != null) sandbox.close();
        }
    }

    /**
     * The balancer's cost: the same bash {@code true} runs against one node directly and through a balancer in
     * front of that node, interleaved (serial runs alternate between the two WebSockets; the throughput phases
     * alternate direct, balancer, direct, balancer), so that both see the same machine load.
     */
    static int compare(URI node, URI balancer, int serialRuns, int clients, Duration parallelTime) throws Exception {
        ExecuteRequest req = ExecuteRequest.builder("bash").code("true").build();
        long[] direct = new long[serialRuns];
        long[] via = new long[serialRuns];
        try (RawWsClient d = new RawWsClient(node); RawWsClient b = new RawWsClient(balancer)) {
            for (int i = 0; i < Math.min(50, serialRuns); i++) {
                check(d.runToDone(req));
                check(b.runToDone(req));
            }
            for (int i = 0; i < serialRuns; i++) {
                long t0 = System.nanoTime();
                check(d.runToDone(req));
                long t1 = System.nanoTime();
                check(b.runToDone(req));
                direct[i] = t1 - t0;
                via[i] = System.nanoTime() - t1;
            }
        }
        Arrays.sort(direct);
        Arrays.sort(via);
        Duration half = parallelTime.dividedBy(2);
        double[] rps = new double[2];
        for (int round = 0; round < 2; round++) {
            for (int side = 0; side < 2; side++) {
                URI target = side == 0 ? node : balancer;
                rps[side] += parallel(clients, half, (end, count) -> {
                    try (RawWsClient ws = new RawWsClient(target)) {
                        while (System.nanoTime() < end) {
                            check(ws.runToDone(req));
                            count.incrementAndGet();
                        }
                    }
                })[0] / 2;
            }
        }
        double[] load = loadAverage();
        System.out.printf(Locale.ROOT, "ATO balancer benchmark: bash `true` over WebSocket, node %s, balancer %s, %d CPUs, load average %.2f%n",
                node, balancer, Runtime.getRuntime().availableProcessors(), load[0]);
        System.out.println("| measure | node directly | through the balancer | the balancer's cost |");
        System.out.println("|---|---|---|---|");
        for (double p : new double[] {0.50, 0.90, 0.99}) {
            System.out.printf(Locale.ROOT, "| p%.0f latency (%d serial runs each, interleaved) | %.2f ms | %.2f ms | %+.2f ms |%n",
                    p * 100, serialRuns, pct(direct, p), pct(via, p), pct(via, p) - pct(direct, p));
        }
        System.out.printf(Locale.ROOT, "| throughput, %d clients (2 x %d s each, alternating) | %.0f runs/s | %.0f runs/s | %+.1f %% |%n",
                clients, half.toSeconds(), rps[0], rps[1], (rps[1] / rps[0] - 1) * 100);
        System.out.printf(Locale.ROOT, "BENCH balancer direct_p50_ms=%.3f balancer_p50_ms=%.3f direct_runs_per_s=%.1f balancer_runs_per_s=%.1f clients=%d%n",
                pct(direct, 0.50), pct(via, 0.50), rps[0], rps[1], clients);
        return 0;
    }

    /** The benchmark's run (bash's runner, code {@code true}) as a RunSpec, for the Sandbox API. */
    private static RunSpec directSpec() {
        Language bash = LanguageCatalog.builtIn().find("bash").orElseThrow();
        return RunSpec.builder().image(Image.host()).runnerScript(bash.runner()).code("true")
                .timeout(Duration.ofSeconds(30)).build();
    }

    private static double[] loadAverage() {
        try {
            String[] f = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).trim().split("\\s+");
            return new double[] {Double.parseDouble(f[0])};
        } catch (java.io.IOException | RuntimeException e) {
            return new double[] {-1};
        }
    }
}
