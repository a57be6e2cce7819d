package dev.ato.server.internal;

import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntSupplier;

/**
 * The server's own meters, written in the Prometheus text format at {@code /observe/metrics}. Kept per server
 * (not in a JVM-global registry) so that several servers in one JVM, as tests start them, count apart.
 */
public final class ServerMetrics {
    /** How a run ended, as counted. */
    public enum Outcome {
        /** Exited with status 0. */
        SUCCESS,
        /** Exited with another status. */
        FAILURE,
        /** Killed by a signal (not the timeout, not the OOM killer). */
        KILLED,
        /** Ended by its timeout. */
        TIMED_OUT,
        /** Ended by the client ("Kill" or going away). */
        CANCELLED,
        /** Refused by admission, never started. */
        REFUSED,
        /** The sandbox failed. */
        ERROR;

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Upper bounds of the latency histogram, seconds. */
    static final double[] BUCKETS = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};

    private final Map<Outcome, LongAdder> outcomes = new ConcurrentHashMap<>();
    private final AtomicLongArray bucketCounts = new AtomicLongArray(BUCKETS.length + 1);
    private final LongAdder latencyCount = new LongAdder();
    private final LongAdder latencyNanos = new LongAdder();
    private final LongAdder oomKills = new LongAdder();
    private final LongAdder stdoutTruncations = new LongAdder();
    private final LongAdder stderrTruncations = new LongAdder();
    private final IntSupplier inFlight;
    private final IntSupplier queued;

    /** Gauges read from the admission queue. */
    public ServerMetrics(IntSupplier inFlight, IntSupplier queued) {
        this.inFlight = inFlight;
        this.queued = queued;
        for (Outcome o : Outcome.values()) outcomes.put(o, new LongAdder());
    }

    /** Counts one run's outcome. */
    public void outcome(Outcome o) {
        outcomes.get(o).increment();
    }

    /** Records the wall time of a finished run (request to Done). */
    public void latency(long nanos) {
        double s = nanos / 1e9;
        int i = 0;
        while (i < BUCKETS.length && s > BUCKETS[i]) i++;
        bucketCounts.incrementAndGet(i);
        latencyCount.increment();
        latencyNanos.add(nanos);
    }

    /** Counts flags of a finished run. */
    public void flags(boolean oomKilled, boolean stdoutTruncated, boolean stderrTruncated) {
        if (oomKilled) oomKills.increment();
        if (stdoutTruncated) stdoutTruncations.increment();
        if (stderrTruncated) stderrTruncations.increment();
    }

    /** Runs counted with this outcome so far. */
    public long count(Outcome o) {
        return outcomes.get(o).sum();
    }

    /** The Prometheus text exposition (version 0.0.4). */
    public String prometheus() {
        StringBuilder b = new StringBuilder(2048);
        b.append("# HELP ato_runs_total Runs by outcome.\n# TYPE ato_runs_total counter\n");
        for (Outcome o : Outcome.values()) {
            b.append("ato_runs_total{outcome=\"").append(o.label()).append("\"} ").append(count(o)).append('\n');
        }
        b.append("# HELP ato_runs_in_flight Runs holding a slot now.\n# TYPE ato_runs_in_flight gauge\n");
        b.append("ato_runs_in_flight ").append(inFlight.getAsInt()).append('\n');
        b.append("# HELP ato_runs_queued Runs waiting for a slot now.\n# TYPE ato_runs_queued gauge\n");
        b.append("ato_runs_queued ").append(queued.getAsInt()).append('\n');
        b.append("# HELP ato_run_duration_seconds Time from accepted request to Done.\n");
        b.append("# TYPE ato_run_duration_seconds histogram\n");
        long cumulative = 0;
        for (int i = 0; i < BUCKETS.length; i++) {
            cumulative += bucketCounts.get(i);
            b.append("ato_run_duration_seconds_bucket{le=\"").append(BUCKETS[i]).append("\"} ").append(cumulative).append('\n');
        }
        cumulative += bucketCounts.get(BUCKETS.length);
        b.append("ato_run_duration_seconds_bucket{le=\"+Inf\"} ").append(cumulative).append('\n');
        b.append("ato_run_duration_seconds_sum ").append(String.format(Locale.ROOT, "%.6f", latencyNanos.sum() / 1e9)).append('\n');
        b.append("ato_run_duration_seconds_count ").append(latencyCount.sum()).append('\n');
        b.append("# HELP ato_oom_kills_total Runs in which the memory limit killed a process.\n# TYPE ato_oom_kills_total counter\n");
        b.append("ato_oom_kills_total ").append(oomKills.sum()).append('\n');
        b.append("# HELP ato_output_truncations_total Runs whose output stream was cut at its limit.\n");
        b.append("# TYPE ato_output_truncations_total counter\n");
        b.append("ato_output_truncations_total{stream=\"stdout\"} ").append(stdoutTruncations.sum()).append('\n');
        b.append("ato_output_truncations_total{stream=\"stderr\"} ").append(stderrTruncations.sum()).append('\n');
        return b.toString();
    }
}
