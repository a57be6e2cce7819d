package dev.ato.server.cli;

import dev.ato.protocol.ExecuteRequest;
import dev.ato.protocol.ServerMessage;
import dev.ato.server.AtoServer;
import dev.ato.server.ServerConfig;
import java.net.URI;
import java.net.http.HttpClient;
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
    record Result(int serialRuns, double p50Ms, double p90Ms, double p99Ms, double maxMs, int clients,
            long parallelRuns, double runsPerSecond) { }

    static Result run(URI server, int serialRuns, int clients, Duration parallelTime) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        ExecuteRequest req = ExecuteRequest.builder("bash").code("true").build();
        long[] lat = new long[serialRuns];
        try (WsConnection ws = WsConnection.open(http, server)) {
            for (int i = 0; i < Math.min(50, serialRuns); i++) check(ws.runToDone(req, Duration.ofSeconds(30)));
            for (int i = 0; i < serialRuns; i++) {
                long t0 = System.nanoTime();
                check(ws.runToDone(req, Duration.ofSeconds(30)));
                lat[i] = System.nanoTime() - t0;
            }
        }
        Arrays.sort(lat);
        AtomicLong count = new AtomicLong();
        List<Thread> threads = new ArrayList<>();
        List<Throwable> errors = java.util.Collections.synchronizedList(new ArrayList<>());
        long end = System.nanoTime() + parallelTime.toNanos();
        long t0 = System.nanoTime();
        for (int c = 0; c < clients; c++) {
            threads.add(Thread.ofPlatform().name("bench-client-" + c).start(() -> {
                try (WsConnection ws = WsConnection.open(http, server)) {
                    while (System.nanoTime() < end) {
                        check(ws.runToDone(req, Duration.ofSeconds(30)));
                        count.incrementAndGet();
                    }
                } catch (Throwable e) {
                    errors.add(e);
                }
            }));
        }
        for (Thread t : threads) t.join();
        double seconds = (System.nanoTime() - t0) / 1e9;
        if (!errors.isEmpty()) throw new IllegalStateException("a benchmark client failed: " + errors.get(0), errors.get(0));
        return new Result(serialRuns, pct(lat, 0.50), pct(lat, 0.90), pct(lat, 0.99), lat[lat.length - 1] / 1e6,
                clients, count.get(), count.get() / seconds);
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
        URI target;
        if (url.isPresent()) {
            target = url.get();
        } else {
            local = AtoServer.start(ServerConfig.load(Optional.empty()).toBuilder().port(0).build());
            target = local.uri();
        }
        try {
            Result r = run(target, serialRuns, clients, parallelTime);
            System.out.println("ATO server benchmark: bash `true` over WebSocket, " + target);
            System.out.println("| measure | value | target |");
            System.out.println("|---|---|---|");
            System.out.printf(Locale.ROOT, "| p50 latency (%d serial runs, one reused WebSocket) | %.2f ms | <= 6 ms |%n", r.serialRuns(), r.p50Ms());
            System.out.printf(Locale.ROOT, "| p90 latency | %.2f ms | |%n", r.p90Ms());
            System.out.printf(Locale.ROOT, "| p99 latency | %.2f ms | |%n", r.p99Ms());
            System.out.printf(Locale.ROOT, "| max latency | %.2f ms | |%n", r.maxMs());
            System.out.printf(Locale.ROOT, "| throughput, %d clients (%d runs) | %.0f runs/s | >= 150 runs/s |%n",
                    r.clients(), r.parallelRuns(), r.runsPerSecond());
            System.out.printf(Locale.ROOT, "BENCH server p50_ms=%.3f p99_ms=%.3f runs_per_s=%.1f clients=%d%n",
                    r.p50Ms(), r.p99Ms(), r.runsPerSecond(), r.clients());
            return 0;
        } finally {
            if (local != null) local.close();
        }
    }
}
