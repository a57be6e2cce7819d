package dev.ato.cli;

import dev.ato.cli.bench.SandboxBench;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.logging.Level;
import java.util.logging.Logger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Unmatched;

/**
 * {@code ./ato bench}: the sandbox benchmark (the sandbox module's {@code SandboxBench}), or with {@code --server}
 * the end-to-end server benchmark.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmark the sandbox, or with --server the whole server end to end (p50/p99 of a bash `true` "
                + "over a reused WebSocket, runs/s with several clients).")
public final class BenchCommand implements Callable<Integer> {
    @Option(names = "--server", description = "benchmark the server end to end instead of the sandbox")
    boolean server;

    @Option(names = "--url", paramLabel = "URL", description = "with --server: an already running server (default: start one in-process)")
    URI url;

    @Option(names = "--via", paramLabel = "URL", description = "with --server --url NODE: a balancer in front of NODE; "
            + "the same runs go to both, interleaved, side by side (setup/cluster/bench.sh)")
    URI via;

    @Option(names = "--runs", paramLabel = "N", description = "serial runs for the latency figures (default 500; passed on to the sandbox benchmark too)")
    Integer runs;

    @Option(names = "--clients", paramLabel = "C", description = "with --server: concurrent clients for the throughput figure (default 8)")
    int clients = 8;

    @Option(names = "--seconds", paramLabel = "S", description = "with --server: length of the throughput phase (default 10)")
    int seconds = 10;

    @Unmatched
    List<String> sandboxArgs = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        if (server) {
            int n = runs == null ? 500 : runs;
            if (n < 1 || clients < 1 || seconds < 1) throw new IllegalArgumentException("--runs, --clients and --seconds must be positive");
            // The in-process server logs a line per run: thousands of them would bury the table. Warnings stay.
            Logger.getLogger("").setLevel(Level.WARNING);
            if (via != null) {
                if (url == null) throw new IllegalArgumentException("--via needs --url (the node behind the balancer)");
                return ServerBench.compare(url, via, n, clients, Duration.ofSeconds(seconds));
            }
            return ServerBench.main(Optional.ofNullable(url), n, clients, Duration.ofSeconds(seconds));
        }
        if (runs != null) {
            sandboxArgs.add(0, Integer.toString(runs));
            sandboxArgs.add(0, "--runs");
        }
        // The sandbox module owns its benchmark and its options (--out, --state-dir, --cgroup ...).
        SandboxBench.main(sandboxArgs.toArray(String[]::new));
        return 0;
    }
}
