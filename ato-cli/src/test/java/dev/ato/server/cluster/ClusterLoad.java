package dev.ato.server.cluster;

import dev.ato.protocol.AtoClient;
import dev.ato.protocol.AtoClientException;
import dev.ato.protocol.ExecuteRequest;
import dev.ato.protocol.Result;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

/**
 * Clients driving runs through a balancer: each client has its own source address (127.0.0.X, so that HAProxy
 * tells them apart) and several WebSocket connections, each doing one run after another. A run that fails is
 * recorded and its connection replaced by a new one. Every run is a bash program that prints when it started,
 * sleeps, prints when it ended and the square of its number, so correctness and overlap can be checked.
 */
final class ClusterLoad {
    static final String CODE = "s=$EPOCHREALTIME; sleep \"$1\"; echo \"$s $EPOCHREALTIME $(( $2 * $2 ))\"";

    /**
     * One run as a client saw it. Times are System.nanoTime(); {@code opened} is when its connection opened;
     * {@code refusals} counts the times a node refused it (1013: never started) before it was sent again.
     */
    record Run(int client, int connection, int n, long opened, long t0, long t1, String stdout, Throwable error,
            int refusals) {
        boolean ok() {
            return error == null && stdout.matches("\\S+ \\S+ " + ((long) n * n) + "\n");
        }

        /** The run's start and end inside the sandbox (host clock, seconds). */
        double[] interval() {
            String[] f = stdout.trim().split(" ");
            return new double[] {Double.parseDouble(f[0]), Double.parseDouble(f[1])};
        }

        String describe() {
            return "client " + client + " conn " + connection + " run " + n + ": "
                    + (error != null ? error.toString() : "stdout " + stdout.strip());
        }
    }

    /** How often one run is sent again after a 1013 refusal before that counts as its failure. */
    static final int MAX_REFUSALS = 50;

    private ClusterLoad() { }

    private static void sleepQuietly(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Source address of client {@code i}: 127.0.0.{base + i}. */
    static InetAddress clientAddress(int base, int i) {
        try {
            return InetAddress.getByAddress(new byte[] {127, 0, 0, (byte) (base + i)});
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Drives {@code total} runs from {@code clients} clients with {@code connections} connections each, and
     * returns them all. {@code afterEach} sees the number of runs finished so far (for a mid-load action).
     */
    static List<Run> drive(URI front, int addressBase, int clients, int connections, int total, String sleep,
            IntConsumer afterEach) throws InterruptedException {
        return drive(front, addressBase, clients, connections, total, Integer.MAX_VALUE, sleep, afterEach);
    }

    /** As above, with at most {@code perConnection} runs over each connection. */
    static List<Run> drive(URI front, int addressBase, int clients, int connections, int total, int perConnection,
            String sleep, IntConsumer afterEach) throws InterruptedException {
        List<Run> runs = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger next = new AtomicInteger();
        AtomicInteger done = new AtomicInteger();
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            for (int k = 0; k < connections; k++) {
                int client = c;
                int conn = k;
                threads.add(Thread.ofVirtual().name("client-" + c + "-" + k).start(() -> {
                    InetAddress from = clientAddress(addressBase, client);
                    AtoClient ato = null;
                    long opened = 0;
                    int n;
                    int mine = 0;
                    while (mine++ < perConnection && (n = next.getAndIncrement()) < total) {
                        long t0 = System.nanoTime();
                        Result r = null;
                        Throwable error = null;
                        int refusals = 0;
                        while (true) {
                            try {
                                if (ato == null) {
                                    // Counted from the attempt: a connection that fails is one opened now.
                                    opened = System.nanoTime();
                                    ato = AtoClient.builder(front).localAddress(from).connectTimeout(Duration.ofSeconds(15))
                                            .replyGrace(Duration.ofSeconds(15)).connect();
                                }
                                r = ato.run(ExecuteRequest.builder("bash").code(CODE)
                                        .arguments(sleep, Integer.toString(n)).timeout(30).build());
                                if (!r.done().succeeded()) error = new AssertionError("not a success: " + r.done() + " " + r.stderrText());
                            } catch (AtoClientException.ServerClosed e) {
                                if (e.code() == 1013 && refusals < MAX_REFUSALS) {
                                    // "Try again later": the run never started (a draining node); send it again.
                                    refusals++;
                                    ato.close();
                                    ato = null;
                                    sleepQuietly(100);
                                    continue;
                                }
                                error = e;
                            } catch (AtoClientException e) {
                                error = e;
                            }
                            break;
                        }
                        runs.add(new Run(client, conn, n, opened, t0, System.nanoTime(),
                                r == null ? "" : r.stdoutText(), error, refusals));
                        if (error != null && ato != null) {
                            ato.close();
                            ato = null;
                        }
                        afterEach.accept(done.incrementAndGet());
                    }
                    if (ato != null) ato.close();
                }));
            }
        }
        for (Thread t : threads) t.join();
        return new ArrayList<>(runs);
    }

    /** The most runs of one client that overlapped in time (from the sandbox's own clock), per client. */
    static Map<Integer, Integer> maxOverlapPerClient(List<Run> runs) {
        Map<Integer, List<double[]>> byClient = new TreeMap<>();
        for (Run r : runs) if (r.ok()) byClient.computeIfAbsent(r.client(), x -> new ArrayList<>()).add(r.interval());
        Map<Integer, Integer> out = new TreeMap<>();
        byClient.forEach((client, intervals) -> {
            List<double[]> events = new ArrayList<>();
            for (double[] iv : intervals) {
                events.add(new double[] {iv[0], +1});
                events.add(new double[] {iv[1], -1});
            }
            // An end sorts before a start at the same instant: touching runs do not overlap.
            events.sort((a, b) -> a[0] != b[0] ? Double.compare(a[0], b[0]) : Double.compare(a[1], b[1]));
            int now = 0;
            int max = 0;
            for (double[] e : events) {
                now += (int) e[1];
                max = Math.max(max, now);
            }
            out.put(client, max);
        });
        return out;
    }
}
